import Foundation
import GRDB

/// A value as it goes into and comes out of either database: what a query binds and
/// what a row holds. Backends turn it into their own types at the edge.
public enum StoreValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case date(Date)
}

/// A Swift type the store reads and writes as one column.
public protocol StoreValueConvertible {
    var storeValue: StoreValue { get }
    /// nil when `value` cannot be this type.
    init?(storeValue value: StoreValue)
}

extension Int64: StoreValueConvertible {
    public var storeValue: StoreValue { .integer(self) }
    public init?(storeValue value: StoreValue) {
        guard case .integer(let number) = value else { return nil }
        self = number
    }
}

extension Int: StoreValueConvertible {
    public var storeValue: StoreValue { .integer(Int64(self)) }
    public init?(storeValue value: StoreValue) {
        guard let number = Int64(storeValue: value) else { return nil }
        self.init(exactly: number)
    }
}

extension Int32: StoreValueConvertible {
    public var storeValue: StoreValue { .integer(Int64(self)) }
    public init?(storeValue value: StoreValue) {
        guard let number = Int64(storeValue: value) else { return nil }
        self.init(exactly: number)
    }
}

extension Double: StoreValueConvertible {
    public var storeValue: StoreValue { .real(self) }
    /// Also from a whole number: SQLite hands back 3.0 in a REAL column as 3 when a
    /// person or an older mimic wrote it as an integer.
    public init?(storeValue value: StoreValue) {
        switch value {
        case .real(let number): self = number
        case .integer(let number): self = Double(number)
        default: return nil
        }
    }
}

extension String: StoreValueConvertible {
    public var storeValue: StoreValue { .text(self) }
    public init?(storeValue value: StoreValue) {
        guard case .text(let text) = value else { return nil }
        self = text
    }
}

extension Bool: StoreValueConvertible {
    public var storeValue: StoreValue { .integer(self ? 1 : 0) }
    /// From 0 or 1: SQLite's booleans are integers, and the PostgreSQL backend reads
    /// its booleans so.
    public init?(storeValue value: StoreValue) {
        guard let number = Int64(storeValue: value) else { return nil }
        self = number != 0
    }
}

extension Date: StoreValueConvertible {
    public var storeValue: StoreValue { .date(self) }
    /// From a date, or from SQLite's text in GRDB's format (see `SQLDialect.timestamp`).
    public init?(storeValue value: StoreValue) {
        switch value {
        case .date(let date): self = date
        case .text(let text):
            guard let date = Date.fromDatabaseValue(text.databaseValue) else { return nil }
            self = date
        default: return nil
        }
    }
}

extension Optional: StoreValueConvertible where Wrapped: StoreValueConvertible {
    public var storeValue: StoreValue { self?.storeValue ?? .null }
    public init?(storeValue value: StoreValue) {
        if value == .null {
            self = .none
        } else if let wrapped = Wrapped(storeValue: value) {
            self = .some(wrapped)
        } else {
            return nil
        }
    }
}
