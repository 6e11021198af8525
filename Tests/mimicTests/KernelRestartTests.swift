import Foundation
import MimicChildProcess
import MimicEngine
import MimicSession
import Testing
@testable import MimicStore
import MimicTestSupport

/// mimic may start itself again before `main` to choose OpenBLAS's kernels (on a CPU
/// with AVX-512 that OpenBLAS does not know). Whether it does depends on this
/// machine, so these tests check what must hold either way.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct KernelRestartTests {
    /// The environment of a mimic that makes its own kernel choice, as one started by hand.
    static func ownChoiceEnvironment(_ folder: TemporaryFolder) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = folder.file("xdg")
        environment[OpenBLASKernelChoice.coreTypeVariable] = nil
        environment[OpenBLASKernelChoice.ownPickVariable] = nil
        return environment
    }

    /// A detached trainer started without its parent's choice decides (and may restart)
    /// itself; the run folder's lock it inherits must outlive that, or it cannot adopt the run.
    @Test func aTrainerKeepsTheLockItInheritsThroughARestart() throws {
        let folder = try TemporaryFolder()
        var config = quickConfig()
        config.dataDirectory = try MimicProcess.makeDataSet(in: folder)
        let store = try RunStore(path: folder.storePath)
        var logPath = ""
        let (run, pid) = try RunSession.detach(config, store: store, programVersion: "test") { id, lock, log in
            logPath = log
            return try ChildProcess.start(
                MimicProcess.binary!, ["train", "--store", folder.storePath, "--run-id", String(id), "--lock-fd", String(lock)],
                output: .file(log), error: .standardOutput, environment: Self.ownChoiceEnvironment(folder)).pid
        }
        let status = ChildProcess(pid: pid).wait()
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "no log"
        #expect(status == 0, "\(log)")
        #expect(try store.run(run.id).status == .done, "\(log)")
        #expect(try store.run(run.id).pid == pid, "the same process trains it, restarted or not")
    }

    /// A user's OPENBLAS_CORETYPE is theirs, whatever it says; the bench says so.
    @Test func theBenchReportsTheUsersVariable() throws {
        let folder = try TemporaryFolder()
        var environment = Self.ownChoiceEnvironment(folder)
        environment[OpenBLASKernelChoice.coreTypeVariable] = "no-such-kernels"
        let out = folder.file("out")
        let child = try ChildProcess.start(MimicProcess.binary!, ["bench", "--quick", "--json", "--rounds", "1", "--seconds", "0.01"],
                                           output: .file(out), error: .discarded, environment: environment)
        #expect(child.wait() == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["openblas_core_chosen_by"] as? String == "OPENBLAS_CORETYPE")
        let reason = try #require(object["openblas_core_reason"] as? String)
        #expect(reason.hasPrefix("OPENBLAS_CORETYPE=\"no-such-kernels\" names no kernels this OpenBLAS has"))
    }
}
