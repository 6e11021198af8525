/// The store stopped answering the dashboard's reads (a PostgreSQL server stopped or
/// out of reach, for one). What was read before stays on screen; the header says
/// how long the store has been silent, and the reads go on until it answers.
public struct StoreFailure: Equatable, Sendable {
    /// When the first read failed, on the run loop's clock.
    public var since: Double
    /// The latest failure's sentence.
    public var message: String

    public init(since: Double, message: String) {
        self.since = since
        self.message = message
    }
}
