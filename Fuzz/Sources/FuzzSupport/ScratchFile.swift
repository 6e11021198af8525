#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parsers of data files (IDX, CIFAR-10) read from a path through zlib, so each fuzz
/// input is written to a file first. One file per process, rewritten for every input,
/// on tmpfs where there is one so the fuzzer is not slowed by a disk.
public enum ScratchFile {
    public static let path: String = {
        var status = stat()
        let folder = stat("/dev/shm", &status) == 0 ? "/dev/shm" : "/tmp"
        // libFuzzer ends with exit() whether it found something or not; the file goes too.
        atexit { unlink(ScratchFile.path) }
        return "\(folder)/mimic-fuzz-\(getpid())"
    }()

    /// Replaces the file's contents with `bytes` and returns its path.
    public static func holding(_ bytes: [UInt8]) -> String {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot write the scratch file \(path)")
        defer { close(descriptor) }
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let put = write(descriptor, raw.baseAddress! + written, raw.count - written)
                precondition(put > 0 || errno == EINTR, "cannot write the scratch file \(path)")
                written += max(put, 0)
            }
        }
        return path
    }
}
