import MimicStore
import MimicEngine
import MimicSweep

/// Everything the dashboard shows, in one value. The reducer changes it; the renderer
/// reads it; nothing else holds screen state.
public struct DashboardState: Sendable {
    public enum DataStatus: Sendable {
        case loading
        case ready(DataSet)
        case failed(String)
    }

    /// A box over the whole screen that takes every key until it closes.
    public enum ModalDialog: Equatable, Sendable {
        case help(scroll: Int)
        case confirmQuit
    }

    public enum SplitField: Int, CaseIterable, Sendable {
        case labeled, validation, seed
    }

    /// Rows of the architectures pane after the students.
    public enum SettingRow: Int, CaseIterable, Sendable {
        case loss, temperature, augmentation, baselines
    }

    public var width: Int
    public var height: Int
    public var focus: Pane = .curves
    /// Help or the quit question; not to be confused with `overlays`, past runs drawn
    /// over the current one.
    public var dialog: ModalDialog?
    public var data: DataStatus = .loading
    /// What the next run will use; a run in progress keeps its own copy.
    public internal(set) var next: ExperimentConfig
    /// The mentor first, then the students, as `next` names them.
    public internal(set) var architectures: [ArchitectureEntry] = []
    public var architectureRow = 0
    public var splitField: SplitField = .labeled
    public internal(set) var splitPreview: SplitPreview = .pending
    public var editor: FieldEditor?
    public var picker: PresetPicker?
    public var run: RunState?
    public var chart = ChartSettings()
    public var sortColumn: ComparisonRow.Column = .role
    public var sortDescending = false
    /// The model whose curves stand out, chosen in the curves or comparison pane.
    public var selectedModel: ModelID?
    /// The past run `selectedModel` belongs to, when the comparison row chosen is one
    /// of an overlay; nil for the run on screen.
    public var selectedOverlay: Int64? {
        // Choosing one overlay's model (or none) ends a sweep cell's highlight of it in several.
        didSet { selectedInRuns = nil }
    }
    /// The runs in which `selectedModel` stands out when a sweep cell chose it (the
    /// cell's seeds, the run on screen among them or not); nil when `selectedOverlay` says.
    public var selectedInRuns: Set<Int64>?
    /// Whose run is on screen: one trained here, or one another process trains
    /// (`mimic watch`); the reducer alone changes it.
    public internal(set) var mode: DashboardMode = .local(recordedAs: nil)
    /// The sweep last opened with `w`, and whether its view is on screen.
    public var sweep: SweepBoard?
    public var showingSweep = false
    /// The runs of the store, newest first, for the runs pane.
    public var pastRuns: [PastRun] = []
    public var runsRow = 0
    /// Past runs drawn over the current one, in the order they were chosen.
    public var overlays: [RunOverlay] = []
    /// The number the next read of an overlaid run gets (see `RunOverlay.pendingRead`).
    public var nextOverlayRead = 1
    public var themeNames: [String]
    public var themeIndex = 0
    /// One line for warnings and notes (a bad theme line, a run that could not start).
    public var status: String?
    /// Since when the store's reads fail, and why; nil while it answers.
    public var storeFailure: StoreFailure?
    /// Seconds on the run loop's clock, advanced by ticks.
    public var now: Double = 0
    public var quitRequested = false
    /// What this watcher last asked the watched run's process to do, until the process
    /// records that it did: quitting in between leaves the request to be carried out.
    public var askedWatchedRun: ControlRequest?

    /// `theme` is the one of `themeNames` in use at the start (the first when nil or unlisted).
    public init(config: ExperimentConfig, width: Int, height: Int, themeNames: [String] = ["dark"], theme: String? = nil) {
        next = config
        self.width = width
        self.height = height
        self.themeNames = themeNames.isEmpty ? ["dark"] : themeNames
        themeIndex = theme.flatMap { self.themeNames.firstIndex(of: $0) } ?? 0
        refreshArchitectures()
    }

    public var dataSet: DataSet? {
        if case .ready(let dataSet) = data { return dataSet }
        return nil
    }

    public var themeName: String { themeNames[themeIndex % themeNames.count] }

    public var isTraining: Bool { run?.isActive ?? false }

    /// A sentence for the terminal once the dashboard has closed and restored it: a
    /// watched run left paused says so and how to resume it.
    public var farewell: String? { WatchedRunReducer.farewell(self) }

    /// The run followed from the store, nil when runs train here.
    public var watchedRun: WatchedRun? { mode.watchedRun }

    /// The store's id of the run on screen, once it is recorded.
    public var recordedRunID: Int64? { mode.recordedRunID }

    var studentCount: Int { next.students.count }
    /// Total rows of the architectures pane: mentor, students, then the settings.
    var architectureRowCount: Int { 1 + studentCount + SettingRow.allCases.count }

    /// The setting on `architectureRow`, if the row is past the models.
    var selectedSetting: SettingRow? { SettingRow(rawValue: architectureRow - 1 - studentCount) }

    /// Why the mentor's row cannot be edited: it comes from a file and does not train
    /// here; nil when the run trains its own.
    var mentorFixedReason: String? {
        if let logits = next.mentorLogits {
            return "The mentor is known only by its outputs (\(logits)); it has no architecture to change."
        }
        if let checkpoint = next.mentorCheckpoint {
            return "The mentor is loaded from \(checkpoint) and does not train; start without --mentor-checkpoint to choose one."
        }
        return nil
    }

    /// Where the selected row's spec goes when edited: nil on a setting row.
    var selectedSpecTarget: EditTarget? {
        if architectureRow == 0 { return .mentor }
        if architectureRow <= studentCount { return .student(architectureRow - 1) }
        return nil
    }

    mutating func refreshArchitectures() {
        // A watched run's data set is not loaded; its recorded plan knows the shape.
        let shape = dataSet?.train.shape ?? (mode.isWatching ? run?.plan?.inputShape : nil)
        let classes = dataSet?.classCount ?? (mode.isWatching ? run?.plan?.classes ?? 0 : 0)
        architectures = ([next.mentor] + next.students).map {
            ArchitectureEntry(spec: $0, input: shape, classes: classes)
        }
        architectureRow = min(architectureRow, architectureRowCount - 1)
    }

    mutating func refreshSplit() {
        splitPreview = SplitPreview(dataSet: dataSet, labeledFraction: next.labeledFraction,
                                    validationFraction: next.validationFraction, seed: next.seed)
    }

    /// Why Space cannot start a run now, or nil when it can.
    var startBlocker: String? {
        switch data {
        case .loading: return "The data set is still loading; Space starts the run once it is ready."
        case .failed(let message): return message
        case .ready: break
        }
        if let bad = architectures.first(where: { $0.error != nil })?.error { return bad.description }
        if case .invalid(let message) = splitPreview { return message }
        do { try next.validate() } catch { return error.description }
        return nil
    }

    /// The rows of the comparison table, in the chosen order: the run on screen, then
    /// the models of the overlaid past runs, each row labelled with its run.
    public var comparisonRows: [ComparisonRow] {
        var rows = run.map(ComparisonRow.rows(of:)) ?? []
        for overlay in overlays {
            guard let past = overlay.run else { continue }
            rows += ComparisonRow.rows(of: past).map { row in
                var row = row
                row.runID = overlay.id
                return row
            }
        }
        return ComparisonRow.sorted(rows, by: sortColumn, descending: sortDescending)
    }

    /// True when `model` of the run on screen (overlay nil) or of a past run should
    /// stand out: nothing is selected, or it is the selection.
    func isHighlighted(_ model: ModelID, overlay: Int64? = nil) -> Bool {
        selectedModel == nil || isSelected(model, overlay: overlay)
    }

    /// True when exactly this model is the selection.
    func isSelected(_ model: ModelID, overlay: Int64? = nil) -> Bool {
        guard selectedModel == model else { return false }
        if let selectedInRuns { return (overlay ?? recordedRunID).map(selectedInRuns.contains) ?? false }
        return selectedOverlay == overlay
    }

    /// The past runs whose curves and models are on screen (read from the store).
    var loadedOverlays: [(id: Int64, run: RunState)] {
        overlays.compactMap { overlay in overlay.run.map { (overlay.id, $0) } }
    }

    /// Models in training order, for stepping the highlight through the curves.
    var plannedModels: [ModelID] { run?.plan?.models.map(\.id) ?? [] }
}
