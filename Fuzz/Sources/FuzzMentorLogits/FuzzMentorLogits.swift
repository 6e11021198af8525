import FuzzSupport
import Glibc
import MimicEngine

/// The scratch file under the two names a logits file may have.
private let paths: [String] = {
    let names = [ScratchFile.path + ".npy", ScratchFile.path + ".safetensors"]
    for name in names {
        unlink(name)
        symlink(ScratchFile.path, name)
    }
    atexit {
        unlink(ScratchFile.path + ".npy")
        unlink(ScratchFile.path + ".safetensors")
    }
    return names
}()

/// What the file must match: a pool of 3 images, a test set of 2, 2 classes, seed 1.
private let expected = MentorLogits.Expected(poolCount: 3, testCount: 2, classes: 2, seed: 1, labeledFraction: 0.5,
                                             listCommand: "mimic data list")

/// A mentor's logits file, read as a `.npy` and as a safetensors file: a refusal is a
/// thrown error; only a crash, a hang or an allocation beyond the file's size is a
/// finding. Whatever is accepted has the rows and columns the split asks for, and only
/// finite values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMentorLogits(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = ScratchFile.holding(FuzzInput.bytes(data, size))
    for path in paths {
        guard let logits = try? MentorLogits.read(from: path, expected: expected) else { continue }
        precondition(logits.pool.count == 6 && (logits.test?.count ?? 4) == 4)
        precondition(logits.pool.allSatisfy(\.isFinite) && (logits.test ?? []).allSatisfy(\.isFinite))
    }
    return 0
}
