import Foundation

/// Where themes come from: the built-in dark theme, the `themes/` folder shipped with
/// the program, and the user's `~/.config/mimic/themes/`; a user theme of the same
/// name wins. A file that cannot be read or parsed costs a warning, never the start.
public struct ThemeCatalog: Sendable {
    /// Theme files by name, in cycling order (dark first).
    public let files: [(name: String, path: String)]

    public init(folders: [String]) {
        var byName: [String: String] = [:]
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in names where file.hasSuffix(".theme") {
                byName[String(file.dropLast(".theme".count))] = (folder as NSString).appendingPathComponent(file)
            }
        }
        let ordered = byName.keys.sorted { a, b in a == "dark" ? true : b == "dark" ? false : a < b }
        files = ordered.map { ($0, byName[$0]!) }
    }

    /// The shipped folder, then the user's.
    public static func standardFolders(executablePath: String, environment: [String: String]) -> [String] {
        var folders: [String] = []
        if let shipped = shippedFolder(executablePath: executablePath) { folders.append(shipped) }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].map { ($0 as NSString).appendingPathComponent(".config") } ?? "")
        if !config.isEmpty { folders.append(((config as NSString).appendingPathComponent("mimic") as NSString).appendingPathComponent("themes")) }
        return folders
    }

    /// The nearest `themes/` folder from the executable up: the repository's, for a
    /// program run from its build folder, or one installed beside the binary.
    static func shippedFolder(executablePath: String) -> String? {
        var folder = (URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        while !folder.isEmpty {
            let candidate = (folder as NSString).appendingPathComponent("themes")
            if FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent("dark.theme")) {
                return candidate
            }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder { break }
            folder = parent
        }
        return nil
    }

    public var names: [String] {
        let names = files.map(\.name)
        return names.contains("dark") ? names : ["dark"] + names
    }

    /// The theme named `nameOrPath` (a catalog name, or a path to a .theme file).
    public func load(_ nameOrPath: String) -> (Theme, [ThemeWarning]) {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme")
        let path = isPath ? nameOrPath : files.first { $0.name == nameOrPath }?.path
        guard let path else {
            if nameOrPath == "dark" { return (BuiltInTheme.dark, []) }
            return (BuiltInTheme.dark, [ThemeWarning(
                file: nameOrPath, line: 0,
                message: "no theme of that name; the themes are \(names.joined(separator: ", ")). Using dark.")])
        }
        guard FileManager.default.fileExists(atPath: path) else {
            return (BuiltInTheme.dark, [ThemeWarning(file: path, line: 0,
                                                     message: "no such theme file; using the dark theme.")])
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (BuiltInTheme.dark, [ThemeWarning(file: path, line: 0,
                                                     message: "cannot be read as UTF-8 text; using the dark theme.")])
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return ThemeParser.parse(text, name: name, file: path)
    }
}
