// CountersModel: the Counters table. Each id's counter as Redis holds it, its
// rate between two reads, and the issued-vs-stored check against the highest
// number a load test was handed for it (stored must be at least issued).
#pragma once

#include "redis/redis_counters.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace turno {

class CountersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IdColumn, TurnoColumn, RateColumn, IssuedColumn, CheckColumn, ColumnCount };
    enum class Check { None, Ok, StoredBelowIssued };
    enum Role {
        CheckRole = Qt::UserRole + 1,  // int(Check), for the view's colours
        SortRole,                      // numbers as numbers
        IdRole,
    };

    explicit CountersModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // One read of the counters at timeMs: rows are updated in place, added and
    // removed one by one (a view keeps its selection); rates come from the previous read.
    void setValues(const QList<CounterValue> &values, qint64 timeMs);
    // The highest number a load test was handed per id (replaces the previous set).
    void setIssued(const QHash<QString, qint64> &highestById);
    const QHash<QString, qint64> &issued() const { return m_issued; }
    void clear();

    int rowOf(const QString &id) const;
    qint64 storedOf(const QString &id) const;  // -1 when the id has no row
    Check checkOf(const QString &id) const;
    // Ids whose stored counter is below what was issued: a number could be handed out twice.
    int violationCount() const;
    qint64 lastReadMs() const { return m_lastReadMs; }

private:
    struct Row {
        QString id;
        qint64 turno = 0;
        double rate = -1;  // -1: not known yet
        qint64 previous = -1;
        qint64 previousMs = 0;
    };
    Check check(const Row &row) const;

    QList<Row> m_rows;
    QHash<QString, qint64> m_issued;
    qint64 m_lastReadMs = 0;
};

}  // namespace turno
