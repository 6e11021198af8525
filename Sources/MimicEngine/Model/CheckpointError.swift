/// Why a checkpoint could not be read, written or loaded, in words a person can act on.
/// Every case names the file; the problem strings are fragments that fit mid-sentence.
public enum CheckpointError: ReportableError, Equatable {
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    /// `kind` says what the path is instead: "a named pipe (FIFO)", "a folder".
    case notARegularFile(path: String, kind: String)
    case unwritable(path: String, reason: String)
    case tooShort(path: String, bytes: Int)
    case headerLongerThanFile(path: String, headerBytes: UInt64, bytesAfterLength: Int)
    case headerNotJSON(path: String, problem: String)
    case malformedTensor(path: String, tensor: String, problem: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case badOffsets(path: String, tensor: String, problem: String)
    case malformedMetadata(path: String)
    case missingMetadata(path: String, key: String)
    case invalidMetadata(path: String, key: String, value: String, problem: String)
    case missingTensor(path: String, tensor: String)
    case unexpectedTensors(path: String, tensors: [String])
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    /// A tensor of a dtype mimic reads, but not the one the model keeps there.
    case dtypeMismatch(path: String, tensor: String, expected: String, found: String)
    case nonFiniteValues(path: String, tensor: String, count: Int)
    /// A state_dict with no architecture of mimic's, and none named for it.
    case stateDictWithoutSpec(path: String)
    /// A pickle (`torch.save`), which mimic never unpickles: loading one can run any code.
    case pytorchPickle(path: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            "There is no checkpoint at \(path); check the path, or train the model first so that it is saved there."
        case .unreadable(let path, let reason):
            "The checkpoint \(path) cannot be read (\(reason)); check that it is a file you may read."
        case .notARegularFile(let path, let kind):
            "The checkpoint \(path) is \(kind), not a regular file; pass the path of the .safetensors file itself."
        case .unwritable(let path, let reason):
            "The checkpoint \(path) cannot be written (\(reason)); check that its folder exists, is writable and has free space."
        case .tooShort(let path, let bytes):
            "The checkpoint \(path) is only \(bytes) bytes, too short to hold a safetensors header; it was cut off, so save or copy it again."
        case .headerLongerThanFile(let path, let headerBytes, let bytesAfterLength):
            "The checkpoint \(path) announces a \(headerBytes)-byte header but only \(bytesAfterLength) bytes follow; the file is truncated or not safetensors, so save or copy it again."
        case .headerNotJSON(let path, let problem):
            "The header of checkpoint \(path) is not a JSON object (\(problem)); the file is corrupt or not safetensors, so save it again."
        case .malformedTensor(let path, let tensor, let problem):
            "Tensor \"\(tensor.escapingControlCharacters)\" in checkpoint \(path) is malformed: \(problem); the file is corrupt, so save it again."
        case .unsupportedDType(let path, let tensor, let dtype):
            "Tensor \"\(tensor.escapingControlCharacters)\" in checkpoint \(path) is stored as \(dtype.escapingControlCharacters) but mimic reads only F32 (and I64 for counts such as num_batches_tracked); convert it to float32 (in PyTorch, .float() before saving)."
        case .badOffsets(let path, let tensor, let problem):
            "Tensor \"\(tensor.escapingControlCharacters)\" in checkpoint \(path) has bad data offsets: \(problem); the file is corrupt, so save it again."
        case .malformedMetadata(let path):
            "The metadata of checkpoint \(path) is not an object of strings to strings as safetensors requires; save it again."
        case .missingMetadata(let path, let key):
            "The checkpoint \(path) has no \"\(key.escapingControlCharacters)\" in its metadata; it was not saved by mimic, so train and save the model with mimic."
        case .invalidMetadata(let path, let key, let value, let problem):
            "The checkpoint \(path) has \"\(key.escapingControlCharacters)\" = \"\(value.escapingControlCharacters)\" in its metadata, which \(problem); the file was edited or not saved by mimic, so save the model again."
        case .missingTensor(let path, let tensor):
            "The checkpoint \(path) has no tensor \"\(tensor.escapingControlCharacters)\"; it was saved from another architecture, so load it into the model it was trained as."
        case .unexpectedTensors(let path, let tensors):
            "The checkpoint \(path) holds tensors the model lacks (\(tensors.map(\.escapingControlCharacters).joined(separator: ", "))); it was saved from another architecture, so load it into the model it was trained as."
        case .shapeMismatch(let path, let tensor, let expected, let found):
            "Tensor \"\(tensor.escapingControlCharacters)\" in checkpoint \(path) has shape \(found) but the model expects \(expected); load it into the architecture it was saved from."
        case .dtypeMismatch(let path, let tensor, let expected, let found):
            "Tensor \"\(tensor.escapingControlCharacters)\" in checkpoint \(path) is stored as \(found) but the model keeps it as \(expected); load it into the architecture it was saved from, or save it again with the tensor as \(expected)."
        case .stateDictWithoutSpec(let path):
            "The checkpoint \(path) is a state_dict without mimic's metadata (saved by PyTorch, say), so its architecture is unknown; "
                + "name it with --spec (mimic eval) or --mentor (with --mentor-checkpoint)."
        case .pytorchPickle(let path):
            "The checkpoint \(path) is a PyTorch pickle, which mimic does not read (loading one can run any code); save its state_dict as safetensors: "
                + "python3 -c \"import torch; from safetensors.torch import save_file; save_file(torch.load(\(Self.python(path)), map_location='cpu'), \(Self.python(path + ".safetensors")))\" "
                + "(for a whole pickled model, add .state_dict() after the load)."
        case .nonFiniteValues(let path, let tensor, let count):
            "Tensor \"\(tensor.escapingControlCharacters)\" in checkpoint \(path) holds \(count) \(count == 1 ? "value that is" : "values that are") NaN or infinite, so the model cannot predict; "
                + "it was saved from a training that diverged, so train the model again with a lower learning rate."
        }
    }

    /// `text` as a Python string literal inside a double-quoted shell word: single
    /// quotes, with the characters either language would read otherwise escaped.
    static func python(_ text: String) -> String {
        var literal = "'"
        for character in text {
            switch character {
            case "\\": literal += "\\\\\\\\"
            case "'": literal += "\\'"
            case "\"", "$", "`": literal += "\\" + String(character)
            default: literal.append(character)
            }
        }
        return literal + "'"
    }
}
