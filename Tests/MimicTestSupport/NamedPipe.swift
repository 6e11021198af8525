import Foundation

/// A named pipe (FIFO) for tests of code that must refuse one. Opening a FIFO to read
/// blocks until a writer comes, so code that wrongly opens it would hang the test run;
/// a thread here keeps opening it for writing and closing it, which lets such a read
/// return at once (empty) and the test fail instead of hang.
public final class NamedPipe {
    public let path: String

    public init(at path: String) throws {
        guard mkfifo(path, 0o644) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        self.path = path
        let watched = path
        Thread.detachNewThread {
            // Until the pipe is removed: a non-blocking open for writing succeeds only
            // while a reader is waiting, and closing it gives that reader end of file.
            while access(watched, F_OK) == 0 {
                let descriptor = open(watched, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                if descriptor >= 0 { close(descriptor) }
                usleep(20_000)
            }
        }
    }

    deinit { unlink(path) }
}
