/// What a key means once the binding table has looked it up. Movement actions mean
/// different things per pane; the table's wording says which.
public enum DashboardAction: Equatable, Sendable {
    case nextPane, previousPane, focus(Pane)
    case toggleRun, stopRun, quit, showHelp, cycleTheme, loadProtocol
    case up, down, left, right, activate, cancel
    case cycleMetric, toggleLogScale, cycleXAxis, cycleYRange, smoothMore, smoothLess
    case pickPreset, addStudent, removeStudent, moveStudentUp, moveStudentDown, toggleBaselines
    case reverseSort
    case toggleSweep, cycleYAxis, cycleHeldValues
    case confirm
    case cursorHome, cursorEnd, deleteBackward, deleteForward, clearField
}
