import Foundation
import MimicEngine

/// One row of `runs`: what was asked (the whole configuration), where it ran, and
/// how it ended.
public struct RunRecord: Sendable, Equatable {
    public var id: Int64
    public var startedAt: Date
    public var endedAt: Date?
    public var status: RunStatus
    /// The configuration as the engine ran it.
    public var config: ExperimentConfig
    /// The run's own folder (schema v4; v2-v3 runs kept it in their configuration):
    /// its checkpoints, the lock its trainer holds, a detached run's log. Made for this
    /// run alone, so removing it never touches another run's.
    public var folder: String?
    /// The group of runs it belongs to ("reproduce"), if any (schema v4).
    public var partOf: String?
    /// The sweep and the training of it this run is, if any (schema v5).
    public var slot: SweepSlot?
    /// The data set's name once loaded; the folder's name before that.
    public var dataSet: String
    public var programVersion: String
    public var split: SplitCounts?
    /// Seconds from the start to the end, evaluations and pauses included.
    public var wallSeconds: Double?
    /// Why the run failed or was interrupted, for a person.
    public var message: String?
    /// The process that trains it (schema v2), to tell a live run from a dead one.
    public var pid: Int32?
    public var host: String?
    /// The last time the training process wrote to the store (schema v2).
    public var heartbeatAt: Date?
    /// Since when the trainer is paused, nil while it trains (schema v3).
    public var pausedAt: Date?
    /// The data set's sample shape and class count once loaded (schema v3).
    public var inputShape: SampleShape?
    public var classes: Int?

    /// The split as stored: counts only.
    public struct SplitCounts: Sendable, Equatable {
        public var labeled: Int
        public var validation: Int
        public var unlabeled: Int
        public var test: Int

        public init(labeled: Int, validation: Int, unlabeled: Int, test: Int) {
            self.labeled = labeled
            self.validation = validation
            self.unlabeled = unlabeled
            self.test = test
        }
    }

    public var seed: UInt64 { config.seed }

    public init(row: StoreRow) throws(StoreError) {
        id = row["id"]
        startedAt = row["started_at"]
        endedAt = row["ended_at"]
        let statusText: String = row["status"]
        // A status written by a newer mimic reads as interrupted rather than failing the listing.
        status = RunStatus(rawValue: statusText) ?? .interrupted
        config = try Self.config(ofRun: id, text: row["config"])
        dataSet = row["data_set"]
        programVersion = row["program_version"]
        if let labeled: Int = row["labeled_count"] {
            split = SplitCounts(labeled: labeled, validation: row["validation_count"] ?? 0,
                                unlabeled: row["unlabeled_count"] ?? 0, test: row["test_count"] ?? 0)
        }
        wallSeconds = row["wall_seconds"]
        message = row["message"]
        pid = row["pid"]
        host = row["host"]
        heartbeatAt = row["heartbeat_at"]
        pausedAt = row["paused_at"]
        inputShape = (row["input_shape"] as String?).flatMap(SampleShape.init(parsing:))
        classes = row["classes"]
        folder = row["folder"]
        partOf = row["part_of"]
        if let sweep: Int64 = row["sweep_id"], let training: Int = row["sweep_training"] {
            slot = SweepSlot(sweep: sweep, training: training)
        }
    }

    /// Where a detached run writes what `mimic train` would print.
    public var logPath: String? { folder.map { ($0 as NSString).appendingPathComponent("train.log") } }

    /// The stored configuration of run `id`, or a sentence naming the run, what is
    /// wrong with its configuration, and the way out.
    static func config(ofRun id: Int64, text: String) throws(StoreError) -> ExperimentConfig {
        do {
            return try JSONDecoder().decode(ExperimentConfig.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw StoreError.unreadableConfig(ofRun: id, reason: Self.describe(error))
        } catch {
            throw StoreError.unreadableConfig(ofRun: id, reason: "\(error)")
        }
    }

    /// A decoding failure in words: the field and what is wrong with it.
    static func describe(_ error: DecodingError) -> String {
        func field(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let path = (context.codingPath + (key.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "it" : "its field \(path)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(field(context, key)) is missing"
        case .valueNotFound(_, let context): return "\(field(context)) is empty"
        case .typeMismatch(let type, let context): return "\(field(context)) is not a \(type)"
        case .dataCorrupted(let context):
            let detail = context.debugDescription.trimmingCharacters(in: CharacterSet(charactersIn: "."))
            return context.codingPath.isEmpty ? "it is not valid JSON" : "\(field(context)) is wrong: \(detail)"
        @unknown default: return "\(error)"
        }
    }

    static func json(_ config: ExperimentConfig) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(config), as: UTF8.self)
    }
}
