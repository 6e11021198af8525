@preconcurrency import CNcurses
import Foundation
import Synchronization

/// The only file that talks to ncurses: it opens the terminal, decodes keys, turns a
/// palette into colour pairs, copies a cell grid to the screen, and puts the terminal
/// back on every way out (quit, signals, crashes, exit).
public final class NcursesBackend: TerminalScreen {
    public let glyphs: GlyphSet
    public let depth: ColorDepth
    private var palette: Palette?

    /// ncurses macros Swift cannot import: NCURSES_BITS(mask, shift) is mask << (shift + 8).
    private static let attributeBold: attr_t = 1 << (13 + 8)
    private static let attributeDim: attr_t = 1 << (12 + 8)
    private static let attributeReverse: attr_t = 1 << (10 + 8)
    private static let attributeUnderline: attr_t = 1 << (9 + 8)

    /// True while the terminal is in curses mode, for the exit and crash paths.
    private static let isOpen = Atomic<Bool>(false)

    /// Opens the terminal, or says why it cannot: not a terminal, TERM dumb or unset,
    /// or a terminal type ncurses does not know.
    public static func open(environment: [String: String]) throws(TerminalUnavailable) -> NcursesBackend {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalUnavailable(reason: "standard input or output is not a terminal")
        }
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else {
            throw TerminalUnavailable(reason: term.isEmpty ? "TERM is not set" : "TERM is 'dumb'")
        }
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        let unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        guard let screen = newterm(nil, stdout, stdin) else {
            throw TerminalUnavailable(reason: "the terminal type '\(term)' is unknown to ncurses")
        }
        set_term(screen)
        isOpen.store(true, ordering: .sequentiallyConsistent)
        installExitHooks()
        cbreak()
        noecho()
        nonl()
        keypad(stdscr, true)
        curs_set(0)
        // Esc alone is a key here (cancel), so do not wait long for an escape sequence.
        set_escdelay(25)
        var hasColors = false
        if has_colors() {
            start_color()
            use_default_colors()
            hasColors = true
        }
        let depth = ColorDepth.detect(hasColors: hasColors, colors: Int(COLORS), noColor: environment["NO_COLOR"])
        return NcursesBackend(glyphs: unicode ? .unicode : .ascii, depth: depth)
    }

    private init(glyphs: GlyphSet, depth: ColorDepth) {
        self.glyphs = glyphs
        self.depth = depth
    }

    public var width: Int { Int(getmaxx(stdscr)) }
    public var height: Int { Int(getmaxy(stdscr)) }

    public func read(timeoutMilliseconds: Int32) -> TerminalRead {
        wtimeout(stdscr, timeoutMilliseconds)
        var character: wint_t = 0
        let result = wget_wch(stdscr, &character)
        if result == ERR { return .nothing }
        if result == KEY_CODE_YES {
            switch Int32(character) {
            case KEY_RESIZE: return .resize
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_DC: return .key(.delete)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_ENTER: return .key(.enter)
            case KEY_BTAB: return .key(.backTab)
            case KEY_F0 + 1...KEY_F0 + 12: return .key(.function(Int(Int32(character) - KEY_F0)))
            default: return .nothing
            }
        }
        switch character {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26: return .key(.control(Character(Unicode.Scalar(UInt8(character) + 96))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return .nothing }
            return .key(.character(Character(scalar)))
        }
    }

    /// Colour pair n+1 belongs to cell style n; pair 0 stays the terminal's own.
    public func apply(_ palette: Palette) {
        self.palette = palette
        if depth != .none {
            for (index, entry) in palette.entries.enumerated() {
                init_extended_pair(Int32(index + 1), entry.foreground, entry.background)
            }
        }
        // Cells whose pair number did not change would not be redrawn otherwise.
        clearok(curscr, true)
    }

    public func draw(_ grid: CellGrid) {
        guard grid.width == width, grid.height == height else { return }
        var run: [wchar_t] = []
        for y in 0..<grid.height {
            var x = 0
            while x < grid.width {
                let style = grid[x, y].style
                let start = x
                run.removeAll(keepingCapacity: true)
                while x < grid.width, grid[x, y].style == style {
                    for scalar in grid[x, y].character.unicodeScalars.prefix(1) { run.append(wchar_t(bitPattern: scalar.value)) }
                    x += 1
                }
                setStyle(style)
                _ = run.withUnsafeBufferPointer { buffer in
                    mvwaddnwstr(stdscr, Int32(y), Int32(start), buffer.baseAddress, Int32(buffer.count))
                }
            }
        }
        wrefresh(stdscr)
    }

    private func setStyle(_ style: CellStyle) {
        let entry = palette?[style]
        var attributes: attr_t = 0
        if let flags = entry?.attributes {
            if flags.contains(.bold) { attributes |= Self.attributeBold }
            if flags.contains(.dim) { attributes |= Self.attributeDim }
            if flags.contains(.reverse) { attributes |= Self.attributeReverse }
            if flags.contains(.underline) { attributes |= Self.attributeUnderline }
        }
        let pair = depth == .none || palette == nil ? 0 : Int16(style.rawValue + 1)
        wattr_set(stdscr, attributes, pair, nil)
    }

    public func close() {
        Self.restore()
    }

    /// Leaves curses mode once, whoever calls first.
    private static func restore() {
        if isOpen.exchange(false, ordering: .sequentiallyConsistent) {
            endwin()
        }
    }

    /// Previous handlers of the crash signals, chained after restoring the terminal so
    /// the runtime's own crash report still prints, now on a readable terminal.
    nonisolated(unsafe) private static var previousCrashHandlers: [Int32: sigaction] = [:]

    private static func installExitHooks() {
        atexit { NcursesBackend.restore() }
        for number in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                NcursesBackend.restore()
                if var previous = NcursesBackend.previousCrashHandlers[received] {
                    sigaction(received, &previous, nil)
                } else {
                    signal(received, SIG_DFL)
                }
                raise(received)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
            var previous = sigaction()
            sigaction(number, &action, &previous)
            previousCrashHandlers[number] = previous
        }
    }
}
