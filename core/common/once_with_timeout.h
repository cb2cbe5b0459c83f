// onceWithTimeout and guardedBy: the "request with a timeout that finishes
// once" pattern, and answers that never reach a receiver that went away.
// Destroying a request's context object is how the request is cancelled.
#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <memory>
#include <utility>

namespace turno {

// Returns the callback to hand to a request. done then runs exactly once: with
// the first value given to that callback, or with timedOut() after timeoutMs
// (no timer when timeoutMs < 0); never once context is destroyed, so an answer
// or a timeout that comes after the receiver went away is dropped.
template <typename R>
std::function<void(R)> onceWithTimeout(QObject *context, int timeoutMs, std::function<R()> timedOut,
                                       std::function<void(R)> done)
{
    struct State {
        QPointer<QObject> context;
        std::function<void(R)> done;
    };
    auto state = std::make_shared<State>(State{context, std::move(done)});
    auto finish = [state](R value) {
        if (!state->done || !state->context)
            return;
        // Released before the call: done may well drop the request that holds this callback.
        std::function<void(R)> deliver = std::move(state->done);
        state->done = nullptr;
        deliver(std::move(value));
    };
    if (context && timeoutMs >= 0)
        QTimer::singleShot(timeoutMs, context, [finish, timedOut = std::move(timedOut)] { finish(timedOut()); });
    return finish;
}

// fn, called only while context is alive.
template <typename F>
auto guardedBy(QObject *context, F fn)
{
    return [context = QPointer<QObject>(context), fn = std::move(fn)](auto &&...args) mutable {
        if (context)
            fn(std::forward<decltype(args)>(args)...);
    };
}

}  // namespace turno
