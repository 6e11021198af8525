import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder a run writes into as it trains, so that a process killed at any instant,
/// even by SIGKILL, can be resumed from its last completed epoch:
///
///     run.json                    what the run is: its config and the data set it learns from
///     lock                        held (flock) by the process training in the folder
///     <model>.epoch.safetensors   the last completed epoch: weights, optimizer state, position
///     <model>.safetensors         the final weights of a model that ended (a plain checkpoint)
///     <model>.result.json         its ModelResult, written last: a model with one is done
///
/// where <model> is "mentor", "student-1", "baseline-2". Every file is written to a
/// temporary name and renamed, so each is either the previous version or the new one.
final class RunFolder {
    static let identityName = "run.json"
    static let lockName = "lock"

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

    let path: String
    private let lockDescriptor: Int32

    private init(path: String, lockDescriptor: Int32) {
        self.path = path
        self.lockDescriptor = lockDescriptor
    }

    deinit { close(lockDescriptor) }

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

    // MARK: - Starting and resuming

    /// Makes `path` the folder of a new run. It may exist, but must hold no run yet.
    static func start(at path: String, identity: Identity) throws(ConfigError) -> RunFolder {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ConfigError(message: "Run folder \(path) cannot be created (\(error.localizedDescription)); choose a folder you can write to.")
        }
        let folder = try locked(path)
        guard !FileManager.default.fileExists(atPath: folder.file(identityName)) else {
            throw ConfigError(message: "Run folder \(path) already holds a run; resume that run, or start this one in an empty folder.")
        }
        do {
            try FileBytes.storeAtomically(Array(try encoder.encode(identity)), to: folder.file(identityName))
        } catch {
            throw ConfigError(message: "Run folder \(path) cannot be written (\(Self.reason(error))); choose a folder you can write to, with free space.")
        }
        return folder
    }

    /// Opens the folder of an interrupted run, which must have been started with the
    /// same settings on the same data, and clears the temporary files a killed write left.
    static func resume(at path: String, identity: Identity) throws(ConfigError) -> RunFolder {
        let saved = try storedIdentity(at: path)
        let folder = try locked(path)
        if comparable(saved.config, to: identity.config) != comparable(identity.config, to: saved.config) {
            guard let difference = difference(saved.config, identity.config) else {
                throw ConfigError(message: "Run folder \(path) was started with other settings than this run's; resume it with the settings it was started with.")
            }
            throw ConfigError(message: "Run folder \(path) was started with \(difference.saved), but this run has \(difference.given); resume it with the settings it was started with.")
        }
        guard saved.data == identity.data else {
            let what = saved.data.summary == identity.data.summary
                ? "a data set of the same name and size with other images or labels"
                : identity.data.summary
            throw ConfigError(message: "Run folder \(path) was started on \(saved.data.summary), but this run has \(what); pass --data with the data set it was started on.")
        }
        guard saved.mentorWeights == identity.mentorWeights else {
            throw ConfigError(message: "Run folder \(path) was started with another mentor than the one now in \(identity.config.mentorCheckpoint ?? "its run"); its students would learn from a different annotation, so start a new run.")
        }
        if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
            for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(atPath: folder.file(name))
            }
        }
        return folder
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

    /// Holds the folder's lock for as long as the folder is open: two processes training
    /// in one folder would overwrite each other's checkpoints. The kernel drops the lock
    /// when the process ends, however it ends.
    private static func locked(_ path: String) throws(ConfigError) -> RunFolder {
        let lockPath = (path as NSString).appendingPathComponent(lockName)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ConfigError(message: "Run folder \(path) is not writable (\(String(cString: strerror(errno)))); choose a folder you can write to.")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ConfigError(message: "Run folder \(path) is in use by another mimic process; wait for it to end, or stop it first.")
        }
        return RunFolder(path: path, lockDescriptor: descriptor)
    }

    // MARK: - Models

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    private static func stem(_ id: ModelID) -> String { id.name.replacingOccurrences(of: " ", with: "-") }
    func epochCheckpointPath(_ id: ModelID) -> String { file("\(Self.stem(id)).epoch.safetensors") }
    func finalCheckpointPath(_ id: ModelID) -> String { file("\(Self.stem(id)).safetensors") }
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

    /// Keeps a model that ended: its final weights, then its result, whose presence
    /// marks the model done. A failure goes into the result's `checkpointError`.
    func record(_ result: inout ModelResult, network: Network?) {
        do {
            if let network, result.epochsCompleted > 0 {
                try network.save(to: finalCheckpointPath(result.id), metadata: ["role": result.id.role.rawValue])
                if result.checkpoint == nil { result.checkpoint = finalCheckpointPath(result.id) }
            }
            try FileBytes.storeAtomically(Array(try Self.encoder.encode(result)), to: resultPath(result.id))
        } catch let error as CheckpointError {
            result.checkpointError = result.checkpointError ?? error.description
        } catch {
            result.checkpointError = result.checkpointError
                ?? "The result of \(result.id.name) cannot be written to \(resultPath(result.id)) (\(Self.reason(error))); check that the run folder is writable and has free space."
        }
    }

    // MARK: - Wording

    /// `config` without what may change between the two parts of a run: where the data
    /// lies (its contents are compared instead), where the output goes, how many threads
    /// compute it, and where a reused mentor lies (its weights are compared instead; the
    /// mentor spec is then unused).
    private static func comparable(_ config: ExperimentConfig, to other: ExperimentConfig) -> ExperimentConfig {
        var config = config
        config.dataDirectory = ""
        config.runDirectory = nil
        config.saveDirectory = nil
        config.threads = nil
        if config.mentorCheckpoint != nil && other.mentorCheckpoint != nil {
            config.mentor = ""
            config.mentorCheckpoint = ""
        }
        return config
    }

    /// The first setting (sorted by name) two configs differ in, with the option that sets it.
    private static func difference(_ saved: ExperimentConfig, _ given: ExperimentConfig)
        -> (saved: String, given: String)?
    {
        let a = fields(comparable(saved, to: given)), b = fields(comparable(given, to: saved))
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            let flag = flags[key] ?? key
            return (a[key].map { $0.isEmpty ? "no \(flag)" : $0 } ?? "no \(flag)",
                    b[key].map { $0.isEmpty ? "no \(flag)" : $0 } ?? "no \(flag)")
        }
        return nil
    }

    /// Each setting as its options would be written: "--epochs 3", "--student a --student b",
    /// "--baselines" (empty when off).
    private static func fields(_ config: ExperimentConfig) -> [String: String] {
        guard let data = try? encoder.encode(config),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var fields: [String: String] = [:]
        for (key, value) in object {
            let flag = flags[key] ?? key
            if let list = value as? [Any] {
                fields[key] = list.map { "\(flag) \($0)" }.joined(separator: " ")
            } else if key == "baselines" {
                fields[key] = (value as? Bool) == true ? flag : ""
            } else {
                fields[key] = "\(flag) \(value)"
            }
        }
        return fields
    }

    private static let flags = [
        "labeledFraction": "--labeled", "validationFraction": "--validation", "mentor": "--mentor",
        "mentorCheckpoint": "--mentor-checkpoint", "students": "--student", "loss": "--loss",
        "temperature": "--temperature", "epochs": "--epochs", "studentEpochs": "--student-epochs",
        "batchSize": "--batch", "seed": "--seed", "optimizer": "--optimizer", "learningRate": "--lr",
        "studentLearningRate": "--student-lr", "momentum": "--momentum", "weightDecay": "--weight-decay",
        "schedule": "--schedule", "augmentation": "--augment", "baselines": "--baselines",
    ]

    /// What is wrong with a file, as a fragment that follows its name mid-sentence.
    static func describe(_ error: any Error) -> String {
        switch error {
        case CheckpointError.missingFile:
            return "is missing"
        case CheckpointError.tooShort(_, let bytes):
            return "is cut off (only \(bytes) bytes)"
        case CheckpointError.headerLongerThanFile:
            return "is cut off (its header announces more bytes than follow)"
        case CheckpointError.badOffsets(_, let tensor, let problem):
            return "is cut off or corrupt (tensor \"\(tensor)\": \(problem))"
        case CheckpointError.headerNotJSON(_, let problem):
            return "is corrupt (its header: \(problem))"
        case CheckpointError.malformedTensor(_, let tensor, let problem):
            return "is corrupt (tensor \"\(tensor)\": \(problem))"
        case CheckpointError.unreadable(_, let reason):
            return "cannot be read (\(reason))"
        case CheckpointError.missingTensor(_, let tensor):
            return "does not fit the model (it has no tensor \"\(tensor)\")"
        case CheckpointError.unexpectedTensors(_, let tensors):
            return "does not fit the model (it has tensors \(tensors.joined(separator: ", ")) the model lacks)"
        case CheckpointError.shapeMismatch(_, let tensor, let expected, let found):
            return "does not fit the model (tensor \"\(tensor)\" is \(found), not \(expected))"
        case CheckpointError.missingMetadata(_, let key):
            return "lacks \"\(key)\" in its metadata"
        case CheckpointError.invalidMetadata(_, let key, let value, let problem):
            return "has \"\(key)\" = \"\(value)\", which \(problem)"
        case CheckpointError.unsupportedDType(_, let tensor, let dtype):
            return "is corrupt (tensor \"\(tensor)\" is \(dtype))"
        case CheckpointError.malformedMetadata:
            return "is corrupt (its metadata is not strings)"
        case let failure as FileBytes.Failure:
            return failure.missing ? "is missing" : "cannot be read (\(failure.reason))"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "is damaged (it is not complete JSON)"
                : "is damaged (a wrong value at \(codingPath(context.codingPath)))"
        case DecodingError.keyNotFound(let key, _):
            return "is damaged (it has no \"\(key.stringValue)\")"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "is damaged (a wrong value at \(codingPath(context.codingPath)))"
        default:
            return "cannot be used (\(error))"
        }
    }

    private static func codingPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func reason(_ error: any Error) -> String {
        (error as? FileBytes.Failure)?.reason ?? "\(error)"
    }
}
