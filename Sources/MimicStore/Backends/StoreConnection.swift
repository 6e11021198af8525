/// One transaction on the store's database, of either kind: what the store's queries
/// are written against. A backend hands one to the body of `read` or `write` and ends
/// the transaction when the body returns (commit) or throws (roll back).
public protocol StoreConnection {
    var dialect: SQLDialect { get }
    /// Every row `query` returns.
    func rows(_ query: StoreQuery) throws -> [StoreRow]
    /// Runs `query` and returns how many rows it inserted, changed or deleted.
    @discardableResult
    func execute(_ query: StoreQuery) throws -> Int
}

extension StoreConnection {
    /// The first row `query` returns, if any.
    public func row(_ query: StoreQuery) throws -> StoreRow? { try rows(query).first }

    /// The first column of the first row, or nil when there is no row or it is NULL:
    /// `try db.value("SELECT max(id) FROM runs", as: Int64.self)`.
    public func value<Value: StoreValueConvertible>(_ query: StoreQuery, as type: Value.Type = Value.self) throws -> Value? {
        try row(query)?.first(as: Value.self)
    }
}

/// A database the store reads and writes, in transactions: SQLite through GRDB, or
/// PostgreSQL through postgres-nio. `RunStore` is written once against this.
protocol StoreBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in one read-only transaction, which sees one consistent state.
    func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T
    /// Runs `body` in one write transaction: all of it is written, or none.
    func write<T>(_ body: (any StoreConnection) throws -> T) throws -> T
    /// A failure of `read` or `write` as one sentence about the store named `location`.
    func problem(_ error: any Error, doing what: String, location: String) -> StoreError
    /// A failure in a few words, for a sentence that names the store itself.
    func reason(_ error: any Error) -> String
}
