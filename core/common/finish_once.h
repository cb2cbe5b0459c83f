// finishOnce: the one way a request with a timeout ends. The returned finisher
// delivers the answer to done, or the timeout does with its error, whichever
// comes first; the other is then ignored, and a timeout first runs onTimeout so
// the request's work (a socket, a connection) is stopped, not left running.
#pragma once

#include "common/result.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <memory>

namespace turno {

template <typename T>
std::function<void(Result<T>)> finishOnce(QObject *context, int timeoutMs, QString timeoutError,
                                         std::function<void(Result<T>)> done, std::function<void()> onTimeout = {})
{
    struct State {
        bool finished = false;
        QPointer<QTimer> timer;
        std::function<void(Result<T>)> done;
    };
    auto state = std::make_shared<State>();
    state->done = std::move(done);
    auto *timer = new QTimer(context);
    timer->setSingleShot(true);
    state->timer = timer;
    QObject::connect(timer, &QTimer::timeout, timer, [state, timeoutError, onTimeout] {
        if (state->finished)
            return;
        state->finished = true;
        state->timer->deleteLater();
        if (onTimeout)
            onTimeout();
        state->done(Error{timeoutError});
    });
    timer->start(timeoutMs);
    return [state](Result<T> r) {
        if (state->finished)
            return;
        state->finished = true;
        if (state->timer) {
            state->timer->stop();
            state->timer->deleteLater();
        }
        state->done(std::move(r));
    };
}

}  // namespace turno
