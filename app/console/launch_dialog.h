// LaunchDialog: pick a cluster profile (file or recent), edit it, validate it
// with ProfileLoader and show its file:line errors before anything starts.
#pragma once

#include "fleet/cluster_profile.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;

namespace turno::console {

class LaunchDialog : public QDialog {
    Q_OBJECT
public:
    explicit LaunchDialog(QWidget *parent = nullptr);

    // Loads a file into the editor (and validates it); false with the reason shown.
    bool openFile(const QString &path);
    void setText(const QString &json, const QString &sourceName);
    // Validates what the editor holds; the error ("file:line: reason") is shown and returned.
    bool validate();
    QString errorText() const;
    ClusterProfile profile() const { return m_profile; }

    static QStringList recentProfiles();
    static void rememberProfile(const QString &path);

private:
    void browse();

    QComboBox *m_recent = nullptr;
    QPlainTextEdit *m_editor = nullptr;
    QLabel *m_status = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QString m_source;
    ClusterProfile m_profile;
};

}  // namespace turno::console
