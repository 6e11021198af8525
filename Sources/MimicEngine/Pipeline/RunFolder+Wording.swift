import Foundation

/// How a run folder says what is wrong: which setting a resume differs in, written as
/// its option, and what is wrong with a file, as a fragment of a sentence.
extension RunFolder {
    /// `config` without what may change between the two parts of a run: where the data
    /// lies (its contents are compared instead), where the output goes, how many threads
    /// compute it, and where a reused mentor lies (its weights are compared instead; the
    /// mentor spec is then unused).
    static func comparable(_ config: ExperimentConfig, to other: ExperimentConfig) -> ExperimentConfig {
        var config = config
        config.dataDirectory = ""
        config.saveDirectory = nil
        config.threads = nil
        if config.mentorCheckpoint != nil && other.mentorCheckpoint != nil {
            config.mentor = ""
            config.mentorCheckpoint = ""
        }
        return config
    }

    /// The first setting (sorted by name) two configs differ in, with the option that sets it.
    static func difference(_ saved: ExperimentConfig, _ given: ExperimentConfig)
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
    static func fields(_ config: ExperimentConfig) -> [String: String] {
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

    static let flags = [
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

    static func codingPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    static func reason(_ error: any Error) -> String {
        (error as? FileBytes.Failure)?.reason ?? "\(error)"
    }
}
