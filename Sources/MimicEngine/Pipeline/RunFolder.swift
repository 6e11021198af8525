import Foundation

/// The folder a run writes into as it trains, so that a process killed at any instant,
/// even by SIGKILL, can be resumed from its last completed epoch:
///
///     run.json                         what the run is: its config and the data set it learns from
///     <model>.epoch.safetensors        the last completed epoch: weights, optimizer state, position
///     <model>-<spec>.safetensors       the final weights of a model that ended (a plain checkpoint)
///     <model>.result.json              its ModelResult, written last: a model with one is done
///
/// where <model> is "mentor", "student-1", "baseline-2". Every file is written to a
/// temporary name and renamed, so each is either the previous version or the new one.
///
/// Whoever owns the run (its session) opens the folder and hands it to the engine,
/// which reads and writes its checkpoints through it. Who else may write there is the
/// owner's concern, not the engine's: the session holds the folder's lock
/// (`HeldRunFolder` in MimicStore) for as long as the run lives.
public final class RunFolder {
    public static let identityName = "run.json"

    /// What a folder was started for; a resume must match it.
    struct Identity: Codable {
        var format = 1
        var config: ExperimentConfig
        var data: DataFingerprint
        /// A hash of the reused mentor's weights (`config.mentorCheckpoint`), whose file
        /// a later `--save` could overwrite between the two parts of a run.
        var mentorWeights: String?
    }

    /// What a folder holds of one model.
    enum SavedModel {
        /// It finished or diverged: report it as it was.
        case ended(ModelResult)
        /// It was training: go on after the epoch this checkpoint closed.
        case partway(EpochCheckpoint)
    }

    public let path: String
    /// True for the folder of a run started before (`reopen`), whose models the engine
    /// takes up where they stopped; false for a new run's.
    public let holdsRun: Bool

    private init(path: String, holdsRun: Bool) {
        self.path = path
        self.holdsRun = holdsRun
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    /// One line, for JSON kept in a checkpoint's metadata.
    static let compactEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    // MARK: - Opening

    /// Opens `path` for a new run, making it if missing; it must hold no run yet.
    public static func create(at path: String) throws(ConfigError) -> RunFolder {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ConfigError(message: "Run folder \(path) cannot be created (\(error.localizedDescription)); choose a folder you can write to.")
        }
        let folder = RunFolder(path: path, holdsRun: false)
        guard !FileManager.default.fileExists(atPath: folder.file(identityName)) else {
            throw ConfigError(message: "Run folder \(path) already holds a run; resume that run, or start this one in an empty folder.")
        }
        return folder
    }

    /// Opens the folder of a run started before, to take it up again where it stopped,
    /// and clears the temporary files a killed write left.
    public static func reopen(at path: String) throws(ConfigError) -> RunFolder {
        _ = try storedIdentity(at: path)
        let folder = RunFolder(path: path, holdsRun: true)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
            for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(atPath: folder.file(name))
            }
        }
        return folder
    }

    /// Opens a folder a parent process made and handed down, holding a run or not yet.
    public static func handedDown(at path: String) -> RunFolder {
        RunFolder(path: path, holdsRun: FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(identityName)))
    }

    /// Opens the folder of a run that ended, to read what it holds, without touching a
    /// file (any number of readers at once).
    public static func inspect(at path: String) throws(ConfigError) -> RunFolder {
        _ = try storedIdentity(at: path)
        return RunFolder(path: path, holdsRun: true)
    }

    /// Binds a new run's folder to `identity`, or checks that a reopened folder was
    /// started for the same run. Called by the engine before anything trains.
    func begin(_ identity: Identity) throws(ConfigError) {
        guard holdsRun else {
            do {
                try FileBytes.storeAtomically(Array(try Self.encoder.encode(identity)), to: file(Self.identityName))
            } catch {
                throw ConfigError(message: "Run folder \(path) cannot be written (\(Self.reason(error))); choose a folder you can write to, with free space.")
            }
            return
        }
        let saved = try Self.storedIdentity(at: path)
        if Self.comparable(saved.config, to: identity.config) != Self.comparable(identity.config, to: saved.config) {
            guard let difference = Self.difference(saved.config, identity.config) else {
                throw ConfigError(message: "Run folder \(path) was started with other settings than this run's; resume it with the settings it was started with.")
            }
            throw ConfigError(message: "Run folder \(path) was started with \(difference.saved), but this run has \(difference.given); resume it with the settings it was started with.")
        }
        guard saved.data.sameData(as: identity.data) else {
            let what = saved.data.summary == identity.data.summary
                ? "a data set of the same name and size with other images or labels"
                : identity.data.summary
            throw ConfigError(message: "Run folder \(path) was started on \(saved.data.summary), but this run has \(what); pass --data with the data set it was started on.")
        }
        guard saved.mentorWeights == identity.mentorWeights else {
            throw ConfigError(message: "Run folder \(path) was started with another mentor than the one now in \(identity.config.mentorCheckpoint ?? "its run"); its students would learn from a different annotation, so start a new run.")
        }
    }

    /// The configuration of the run a folder holds, as it was started: one sentence
    /// when it holds none or cannot be read.
    public static func storedConfig(at path: String) throws(ConfigError) -> ExperimentConfig {
        try storedIdentity(at: path).config
    }

    /// The run a folder holds, as it was started.
    static func storedIdentity(at path: String) throws(ConfigError) -> Identity {
        let file = (path as NSString).appendingPathComponent(identityName)
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.load(file)
        } catch {
            if error.missing {
                throw ConfigError(message: "Run folder \(path) holds no run (there is no \(identityName) in it); pass the folder a run was started in.")
            }
            throw ConfigError(message: "Run folder \(path) cannot be read (\(error.reason)); check that it is a folder you may read.")
        }
        do {
            return try decoder.decode(Identity.self, from: Data(bytes))
        } catch {
            throw ConfigError(message: "Run folder \(path) cannot be resumed: its \(identityName) \(describe(error)), so the run it holds is unknown; start a new run.")
        }
    }

    // MARK: - Models

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    private static func stem(_ id: ModelID) -> String { id.name.replacingOccurrences(of: " ", with: "-") }
    /// "student-1-cnn-s.safetensors": a model's final checkpoint, in a run folder or a --save folder.
    static func checkpointName(_ id: ModelID) -> String { "\(stem(id))-\(id.spec).safetensors" }
    func epochCheckpointPath(_ id: ModelID) -> String { file("\(Self.stem(id)).epoch.safetensors") }
    /// The final weights of a model, under the name a --save folder gives them too.
    func finalCheckpointPath(_ id: ModelID) -> String {
        let path = file(Self.checkpointName(id))
        // Folders written before the final weights took the save folder's name.
        let older = file("\(Self.stem(id)).safetensors")
        return !FileManager.default.fileExists(atPath: path) && FileManager.default.fileExists(atPath: older) ? older : path
    }
    func resultPath(_ id: ModelID) -> String { file("\(Self.stem(id)).result.json") }

    /// What the folder holds of `id`: nothing, its result, or its last epoch checkpoint.
    /// A file that cannot be read is an error naming it and the way out.
    func saved(_ id: ModelID) throws(ConfigError) -> SavedModel? {
        let resultFile = resultPath(id)
        if FileManager.default.fileExists(atPath: resultFile) {
            let result: ModelResult
            do {
                result = try Self.decoder.decode(ModelResult.self, from: Data(FileBytes.load(resultFile)))
            } catch {
                throw ConfigError(message: "Run folder \(path) cannot be resumed: the result of \(id.name), \(resultFile), \(Self.describe(error)); delete it to take \(id.name) up again from its last epoch checkpoint.")
            }
            guard result.id == id else {
                throw ConfigError(message: "Run folder \(path) cannot be resumed: \(resultFile) is the result of \(result.id), not of \(id); delete it to take \(id.name) up again from its last epoch checkpoint.")
            }
            return .ended(result)
        }
        let checkpointFile = epochCheckpointPath(id)
        guard FileManager.default.fileExists(atPath: checkpointFile) else { return nil }
        do {
            let checkpoint = try EpochCheckpoint(path: checkpointFile)
            guard checkpoint.position.model == id.name else {
                throw CheckpointError.invalidMetadata(path: checkpointFile, key: EpochCheckpoint.positionKey,
                                                      value: checkpoint.position.model, problem: "names another model")
            }
            return .partway(checkpoint)
        } catch {
            throw damagedEpochCheckpoint(id, error)
        }
    }

    /// The sentence for an epoch checkpoint that cannot be used.
    func damagedEpochCheckpoint(_ id: ModelID, _ error: any Error) -> ConfigError {
        ConfigError(message: "Run folder \(path) cannot be resumed: the epoch checkpoint of \(id.name), \(epochCheckpointPath(id)), \(Self.describe(error)); delete it to train \(id.name) again from its first epoch.")
    }

    /// The final weights of a model the folder reports as finished.
    func finalNetwork(_ id: ModelID) throws(ConfigError) -> Network {
        do {
            let network = try Network.load(from: finalCheckpointPath(id)).network
            guard network.spec.text == id.spec else {
                throw CheckpointError.invalidMetadata(path: finalCheckpointPath(id), key: Network.CheckpointKey.spec,
                                                      value: network.spec.text, problem: "is not \(id.spec)")
            }
            return network
        } catch {
            throw ConfigError(message: "Run folder \(path) cannot be resumed: the final checkpoint of \(id.name), \(finalCheckpointPath(id)), \(Self.describe(error)); delete \(resultPath(id)) to take \(id.name) up again from its last epoch checkpoint.")
        }
    }

    /// Keeps a model that ended: its final weights (with `metadata`), then its result,
    /// whose presence marks the model done. A failure goes into the result's `checkpointError`.
    func keep(_ result: inout ModelResult, network: Network?, metadata: [String: String]) {
        do {
            if let network, result.epochsCompleted > 0 {
                let path = file(Self.checkpointName(result.id))
                try network.save(to: path, metadata: metadata)
                if result.checkpoint == nil { result.checkpoint = path }
            }
            try FileBytes.storeAtomically(Array(try Self.encoder.encode(result)), to: resultPath(result.id))
        } catch let error as CheckpointError {
            result.checkpointError = result.checkpointError ?? error.description
        } catch {
            result.checkpointError = result.checkpointError
                ?? "The result of \(result.id.name) cannot be written to \(resultPath(result.id)) (\(Self.reason(error))); check that the run folder is writable and has free space."
        }
    }
}
