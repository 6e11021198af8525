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

    /// The first setting (in the order --help lists them) two configs differ in,
    /// written as its options: ("--epochs 3", "--epochs 4"), or "no --augment".
    static func difference(_ saved: ExperimentConfig, _ given: ExperimentConfig)
        -> (saved: String, given: String)?
    {
        let a = comparable(saved, to: given), b = comparable(given, to: saved)
        for option in TrainOption.all where option.written(a) != option.written(b) {
            func shown(_ text: String) -> String { text.isEmpty ? "no \(option.flag)" : text }
            return (shown(option.written(a)), shown(option.written(b)))
        }
        return nil
    }

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
