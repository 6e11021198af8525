import Foundation
import MimicEngine

/// Starts mimic again, once, with better OpenBLAS kernels than OpenBLAS picked alone
/// (see `OpenBLASKernelChoice`, which decides). OpenBLAS reads OPENBLAS_CORETYPE in a
/// library constructor, before `main`, so the variable only counts for a new program
/// image: the process replaces itself (execv: same process id, arguments, open
/// descriptors, terminal, session and signal mask) before anything else has run.
enum KernelRestart {
    static func restartIfBetterKernels() {
        #if os(Linux)
        let situation = OpenBLASKernelChoice.Situation.current
        guard let target = OpenBLASKernelChoice.decide(situation).restartWith else { return }
        setenv(OpenBLASKernelChoice.coreTypeVariable, target.rawValue, 1)
        setenv(OpenBLASKernelChoice.ownPickVariable, situation.core, 1)
        execv(executable, CommandLine.unsafeArgv)
        // Still here, so the exec failed: go on with OpenBLAS's own kernels, and leave
        // children nothing that says otherwise.
        unsetenv(OpenBLASKernelChoice.coreTypeVariable)
        unsetenv(OpenBLASKernelChoice.ownPickVariable)
        #endif
    }

    /// This program's file. Its own path when that still is the running file, so the
    /// process keeps its name ("mimic" in ps, top and pgrep; executing /proc/self/exe
    /// would rename it "exe"); /proc/self/exe otherwise (the file was replaced or
    /// deleted since it started).
    private static var executable: String {
        let link = "/proc/self/exe"
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return link }
        var running = stat(), named = stat()
        guard stat(link, &running) == 0, stat(path, &named) == 0,
              running.st_dev == named.st_dev, running.st_ino == named.st_ino else { return link }
        return path
    }
}
