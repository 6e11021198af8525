/// The table of keys in force, as the dashboard's mode chooses it: the reducer finds
/// actions only here, and help and the footer list only this, so no key can do what
/// help does not say, and nothing help lists is unbound.
public enum KeyTable: Sendable {
    /// Every key of a dashboard that trains its own runs (`KeyBindings`).
    case local
    /// A watcher's keys (`WatchKeyBindings`): nothing that edits or starts a run.
    case watching

    public var scopes: [KeyScope] {
        switch self {
        case .local: KeyBindings.scopes
        case .watching: WatchKeyBindings.scopes
        }
    }

    public func bindings(for scope: KeyScope) -> [KeyBinding] {
        switch self {
        case .local: KeyBindings.bindings(for: scope)
        case .watching: WatchKeyBindings.bindings(for: scope)
        }
    }

    /// Lines of help that are not keys the reducer sees: typing, and the signals.
    public func notes(for scope: KeyScope) -> [(label: String, summary: String)] {
        switch self {
        case .local: KeyBindings.notes(for: scope)
        case .watching: WatchKeyBindings.notes(for: scope)
        }
    }

    /// The action of `key` in `scope`, if it has one.
    public func action(for key: Key, in scope: KeyScope) -> DashboardAction? {
        for binding in bindings(for: scope) {
            if let action = binding.action(for: key) { return action }
        }
        return nil
    }
}
