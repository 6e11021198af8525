import MimicEngine

/// What the run loop needs from a terminal; `NcursesBackend` is the one real one.
public protocol TerminalScreen: AnyObject {
    var glyphs: GlyphSet { get }
    var depth: ColorDepth { get }
    var width: Int { get }
    var height: Int { get }
    /// Waits up to `milliseconds` for a key.
    func read(timeoutMilliseconds: Int32) -> TerminalRead
    func apply(_ palette: Palette)
    func draw(_ grid: CellGrid)
    func close()
}

public enum TerminalRead: Equatable, Sendable {
    case key(Key)
    case resize
    case nothing
}

/// Why the dashboard cannot open; the sentence points headless users to `mimic train`.
public struct TerminalUnavailable: ReportableError, Sendable {
    public let reason: String
    public var description: String {
        "The dashboard needs an interactive terminal, but \(reason); use 'mimic train' (same options) for a headless run."
    }
}
