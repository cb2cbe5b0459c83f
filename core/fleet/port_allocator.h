// PortAllocator: hands out 127.0.0.1 ports for the processes of one local
// cluster. A wanted port that is taken is an error naming the profile key to
// change (or, with ports.onConflict "next", the next free one is taken); port 0
// means any free port. Ports handed out stay reserved until released, so two
// processes of the same cluster never get the same one before either binds it.
#pragma once

#include "common/result.h"

#include <QList>
#include <QString>

namespace turno {

class PortAllocator {
public:
    // onConflict: the profile's ports.onConflict ("next" or "fail"); sourceFile:
    // the profile file the error messages name (empty: "the profile").
    void reset(const QString &onConflict, const QString &sourceFile);
    // what: the process, for the message; profileKey: where the wanted port comes from.
    Result<quint16> allocate(const QString &what, quint16 wanted, const QString &profileKey);
    void release(quint16 port);
    // Reserves a port a process of the cluster already listens on (a hand-over).
    void keep(quint16 port)
    {
        if (!m_reserved.contains(port))
            m_reserved << port;
    }
    const QList<quint16> &reserved() const { return m_reserved; }

    // Binds 127.0.0.1:port (0: any) with SO_REUSEADDR as the servers do; the
    // port that was bound, or 0 when it could not be.
    static quint16 tryBind(quint16 port);

private:
    QList<quint16> m_reserved;
    QString m_onConflict;
    QString m_sourceFile;
};

}  // namespace turno
