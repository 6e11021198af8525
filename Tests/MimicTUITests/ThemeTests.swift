import Foundation
import MimicTUI
import Testing

@Suite struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes").path

    @Test func readsNamesIndicesAndHex() {
        let (theme, warnings) = ThemeParser.parse("""
            # a comment
            text = bright_white
              dim=244   # inline comment
            focus = #5FAFFF
            background = default
            """, name: "t", file: "t.theme")
        #expect(warnings.isEmpty)
        #expect(theme[.text] == .indexed(15))
        #expect(theme[.dim] == .indexed(244))
        #expect(theme[.focus] == .rgb(0x5f, 0xaf, 0xff))
        #expect(theme[.background] == .terminalDefault)
        #expect(theme[.mentor] == BuiltInTheme.dark[.mentor], "a missing key falls back to the default")
    }

    /// A file saved on Windows (CRLF) or old Mac (CR) read as one line: ignored whole
    /// when it began with a comment, else a CR left in the values garbled the screen.
    @Test(arguments: ["\r\n", "\r"])
    func windowsAndOldMacLineEndsAreLineEnds(end: String) {
        let text = ["# my theme", "text = bright_white", "dim = 244", "focus = nonsense", "mentor = #5FAFFF", ""]
            .joined(separator: end)
        let (theme, warnings) = ThemeParser.parse(text, name: "t", file: "t.theme")
        #expect(theme[.text] == .indexed(15))
        #expect(theme[.dim] == .indexed(244))
        #expect(theme[.mentor] == .rgb(0x5f, 0xaf, 0xff))
        #expect(warnings.map(\.line) == [4])
        #expect(warnings.first?.message.hasPrefix("\"nonsense\" for focus") == true, "\(warnings)")
    }

    @Test func brokenLinesAreReportedWithTheirLineAndDefaultsStand() {
        let (theme, warnings) = ThemeParser.parse("""
            text = #12345
            no equals sign here
            colour = red
            good = 300
            bad = #gg0000
            mentor = red
            """, name: "broken", file: "/home/u/.config/mimic/themes/broken.theme")
        #expect(warnings.map(\.line) == [1, 2, 3, 4, 5])
        #expect(warnings[0].description.hasPrefix("/home/u/.config/mimic/themes/broken.theme:1: \"#12345\" for text is not a colour"))
        #expect(warnings[2].message.contains("unknown key \"colour\""))
        #expect(theme[.text] == BuiltInTheme.dark[.text])
        #expect(theme[.good] == BuiltInTheme.dark[.good])
        #expect(theme[.mentor] == .indexed(1), "good lines after bad ones still count")
    }

    @Test func shippedThemesParseCleanlyAndSetEveryKey() throws {
        for name in ["dark", "light", "high-contrast", "mono"] {
            let path = Self.themesFolder + "/\(name).theme"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let (theme, warnings) = ThemeParser.parse(text, name: name, file: path)
            #expect(warnings.isEmpty, "\(name): \(warnings)")
            #expect(Set(theme.colors.keys) == Set(ThemeKey.allCases), "\(name) leaves keys out")
        }
    }

    @Test func builtInThemeIsTheShippedDarkFile() throws {
        let shipped = try String(contentsOfFile: Self.themesFolder + "/dark.theme", encoding: .utf8)
        #expect(BuiltInTheme.darkText == shipped)
    }

    @Test func catalogFindsShippedAndUserThemesAndReportsUnknownNames() throws {
        let user = NSTemporaryDirectory() + "mimic-themes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: user) }
        try "text = red\nnonsense\n".write(toFile: user + "/mine.theme", atomically: true, encoding: .utf8)
        let catalog = ThemeCatalog(folders: [Self.themesFolder, user])
        #expect(catalog.names == ["dark", "high-contrast", "light", "mine", "mono"])
        let (mine, warnings) = catalog.load("mine")
        #expect(mine[.text] == .indexed(1))
        #expect(warnings.map(\.description) == ["\(user)/mine.theme:2: \"nonsense\" is not a key = value line; write e.g. text = #d0d0d0."])
        let (fallback, unknown) = catalog.load("nope")
        #expect(fallback == BuiltInTheme.dark)
        #expect(unknown.first?.message.contains("no theme of that name") == true)
        let (byPath, none) = catalog.load(Self.themesFolder + "/light.theme")
        #expect(byPath.name == "light" && none.isEmpty)
    }

    @Test func shippedFolderIsFoundFromABuildFolder() {
        let executable = Self.themesFolder.replacingOccurrences(of: "/themes", with: "/.build/debug/mimic")
        let folders = ThemeCatalog.standardFolders(executablePath: executable, environment: ["XDG_CONFIG_HOME": "/cfg"])
        #expect(folders == [Self.themesFolder, "/cfg/mimic/themes"])
        #expect(ThemeCatalog.standardFolders(executablePath: "/nowhere/mimic", environment: ["HOME": "/home/u"])
                == ["/home/u/.config/mimic/themes"])
    }

    @Test func colourDepthFromTheTerminal() {
        #expect(ColorDepth.detect(hasColors: true, colors: 1 << 24, noColor: nil) == .direct)
        #expect(ColorDepth.detect(hasColors: true, colors: 256, noColor: nil) == .indexed256)
        #expect(ColorDepth.detect(hasColors: true, colors: 16, noColor: nil) == .sixteen)
        #expect(ColorDepth.detect(hasColors: true, colors: 8, noColor: nil) == .eight)
        #expect(ColorDepth.detect(hasColors: false, colors: 256, noColor: nil) == .none)
        #expect(ColorDepth.detect(hasColors: true, colors: 256, noColor: "1") == .none)
        #expect(ColorDepth.detect(hasColors: true, colors: 256, noColor: "") == .indexed256, "an empty NO_COLOR does not count")
    }

    @Test func coloursDegradeToWhatTheTerminalHas() {
        let red = ThemeColor.rgb(255, 0, 0)
        #expect(red.terminalColor(at: .direct) == 0xff0000)
        #expect(red.terminalColor(at: .indexed256) == 196)
        #expect(red.terminalColor(at: .sixteen) == 9)
        #expect(red.terminalColor(at: .eight) == 1)
        #expect(red.terminalColor(at: .none) == -1)
        #expect(ThemeColor.rgb(0, 0, 2).terminalColor(at: .direct) == 8, "below 8 would read as an ANSI colour")
        #expect(ThemeColor.indexed(244).terminalColor(at: .eight) == 7, "a grey stays a grey")
        #expect(ThemeColor.indexed(244).terminalColor(at: .sixteen) == 8)
        #expect(ThemeColor.indexed(12).terminalColor(at: .eight) == 4)
        #expect(ThemeColor.terminalDefault.terminalColor(at: .indexed256) == -1)
    }

    @Test func monochromeKeepsFocusAndSelectionVisible() throws {
        let text = try String(contentsOfFile: Self.themesFolder + "/mono.theme", encoding: .utf8)
        let mono = ThemeParser.parse(text, name: "mono", file: "mono.theme").0
        for palette in [Palette(theme: mono, depth: .indexed256), Palette(theme: BuiltInTheme.dark, depth: .none)] {
            #expect(palette[.selection].attributes.contains(.reverse))
            #expect(palette[.focus].attributes.contains(.bold))
            #expect(palette[.header].attributes.contains(.reverse))
            #expect(palette[.cursor].attributes.contains(.underline))
        }
        let dark = Palette(theme: BuiltInTheme.dark, depth: .indexed256)
        #expect(dark[.selection].attributes.isEmpty)
        #expect(dark[.cursor].attributes.contains(.reverse))
    }
}
