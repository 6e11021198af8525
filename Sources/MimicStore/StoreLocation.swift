import Foundation

/// Where the run store lives unless `--store` says otherwise: the XDG data folder.
public enum StoreLocation {
    public static let fileName = "runs.sqlite"

    /// `$XDG_DATA_HOME/mimic/runs.sqlite`, or `~/.local/share/mimic/runs.sqlite` when
    /// XDG_DATA_HOME is unset, empty or relative (the XDG spec says to ignore it then).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = (home as NSString).appendingPathComponent(".local/share")
        }
        return ((base as NSString).appendingPathComponent("mimic") as NSString).appendingPathComponent(fileName)
    }
}
