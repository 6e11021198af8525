import Foundation
import MimicChildProcess
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// `mimic sweep --slurm` through the real binary: the refusals made before anything is
/// recorded, the dry run's script, the job ids recorded and shown, and, where Slurm is
/// installed, sbatch's own refusal quoted.
@Suite struct SlurmSweepCommandTests {
    static let grid = ["--labeled", "0.1,0.2", "--student", "fc16", "--mentor", "fc32", "--epochs", "1"]
    /// A URL with a password and a server that is never reached: each refusal comes first.
    static let unreachable = "postgres://alice:s3cret-pw@127.0.0.1:1/mimic"

    /// PATH without any folder holding sbatch.
    static let pathWithoutSbatch: String = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return folders.filter { !FileManager.default.isExecutableFile(atPath: $0 + "/sbatch") }.joined(separator: ":")
    }()

    static var sbatchInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: $0 + "/sbatch") }
    }

    /// A Slurm controller answers here: `sinfo` succeeds. sbatch may be installed with no
    /// Slurm started (scripts/start-slurm starts one), and the test of sbatch's refusal
    /// then skips, but not under CI, whose `.ci/run` starts Slurm: there it fails.
    static var slurmAnswersOrCIExpectsIt: Bool {
        if TestPostgres.underCI { return true }
        let sinfo = try? ChildProcess.start("/usr/bin/env", ["sinfo", "--noheader"], output: .discarded, error: .discarded)
        return sinfo?.wait() == 0
    }

    @Test func withoutSbatchTheSweepIsRefusedBeforeItIsRecorded() throws {
        let folder = try TemporaryFolder()
        let output = try MimicProcess.run(["sweep"] + Self.grid + ["--slurm", "--agents", "2", "--store", Self.unreachable],
                                          in: folder, changing: ["PATH": Self.pathWithoutSbatch])
        #expect(output.status == 1)
        #expect(output.stderr == "mimic: sbatch is not installed here (not on PATH), so the sweep cannot go to Slurm; "
            + "run this on a Slurm login node, or leave --slurm out to train here (--dry-run shows the script).\n")
        #expect(output.stdout.isEmpty, "nothing recorded: \(output.stdout)")
    }

    @Test func aSQLiteStoreIsRefusedNamingPostgreSQL() throws {
        let folder = try TemporaryFolder()
        let output = try MimicProcess.run(["sweep"] + Self.grid + ["--slurm", "--store", folder.storePath], in: folder)
        #expect(output.status == 1)
        #expect(output.stderr == "mimic: --slurm needs a PostgreSQL store that every node reaches, and \(folder.storePath) is a SQLite file, "
            + "which agents on several nodes cannot share safely; give --store postgres://USER@HOST:PORT/DATABASE.\n")
        #expect(!FileManager.default.fileExists(atPath: folder.storePath))
    }

    @Test(arguments: [
        (["--agents", "0"], "--agents 0 gives the job array no agent; give a count of 1 or more, such as --agents 4."),
        (["--agents", "many"], "--agents 'many' is not a count; give a whole number of agents, such as --agents 4."),
        (["--time", "1h"], "--time '1h' is not a time limit sbatch takes; give MINUTES, HOURS:MINUTES:SECONDS or DAYS-HOURS:MINUTES, such as --time 90 or --time 2:00:00."),
        (["--partition", "a b"], "--partition 'a b' is not a partition name; give one that 'sinfo' lists, such as --partition gpu."),
    ])
    func badSlurmOptionsAreRefusedInASentence(_ options: [String], _ sentence: String) throws {
        let folder = try TemporaryFolder()
        for words in [["sweep"] + Self.grid + ["--slurm"] + options, ["sweep", "--slurm"] + options + Self.grid] {
            let output = try MimicProcess.run(words + ["--store", Self.unreachable], in: folder)
            #expect(output.status == 1, "\(words)")
            #expect(output.stderr == "mimic: \(sentence)\n", "\(words)")
        }
    }

    @Test func slurmOptionsWithoutSlurmAreRefused() throws {
        let folder = try TemporaryFolder()
        let output = try MimicProcess.run(["sweep"] + Self.grid + ["--agents", "4", "--store", folder.storePath], in: folder)
        #expect(output.status == 1)
        #expect(output.stderr == "mimic: --agents is an option of a sweep sent to Slurm; add --slurm, or leave --agents out to train here.\n")
    }

    @Test func aDryRunPrintsTheScriptWithoutThePasswordAndRecordsNothing() throws {
        let folder = try TemporaryFolder()
        let artifacts = folder.file("shared")
        let output = try MimicProcess.run(["sweep"] + Self.grid + ["--slurm", "--agents", "3", "--partition", "short", "--time", "45",
                                                                    "--artifacts", artifacts, "--store", Self.unreachable, "--dry-run"],
                                          in: folder, changing: ["PATH": Self.pathWithoutSbatch])
        #expect(output.status == 0, "\(output.stderr)")
        let binary = URL(fileURLWithPath: MimicProcess.binary!).resolvingSymlinksInPath().path
        #expect(output.stdout.hasSuffix("""
            #SBATCH --job-name=mimic-sweep-SWEEP_ID
            #SBATCH --array=1-3
            #SBATCH --ntasks=1
            #SBATCH --output=\(artifacts)/slurm/sweep-SWEEP_ID/job-%A-agent-%a.log
            #SBATCH --export=ALL
            #SBATCH --partition=short
            #SBATCH --time=45
            exec \(binary) agent SWEEP_ID --store postgres://alice@127.0.0.1:1/mimic --artifacts \(artifacts)

            """), "\(output.stdout)")
        #expect(!output.stdout.contains("s3cret") && !output.stderr.contains("s3cret"))
        #expect(!FileManager.default.fileExists(atPath: artifacts), "a dry run writes nothing")
    }

    /// The Slurm jobs of a sweep are kept with it, in the order submitted, on both backends.
    @Test(arguments: StoreKind.tested) func jobIdsAreRecordedWithTheSweep(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let store = try test.open()
        let sweep = try store.createSweep(name: "on slurm", source: "test", trainings: [quickConfig(), quickConfig()])
        let other = try store.createSweep(name: nil, source: "test", trainings: [quickConfig()])
        #expect(try store.jobs(sweep: sweep.id).isEmpty)
        try store.recordJob("4711", agents: 8, sweep: sweep.id)
        try store.recordJob("4712;cluster", agents: 2, sweep: sweep.id)
        try store.recordJob("5000", agents: 1, sweep: other.id)
        let jobs = try store.jobs(sweep: sweep.id)
        #expect(jobs.map(\.jobID) == ["4711", "4712;cluster"])
        #expect(jobs.map(\.agents) == [8, 2])
        #expect(abs(jobs[0].submittedAt.timeIntervalSinceNow) < 3600)
        #expect(try store.jobs(sweep: other.id).map(\.jobID) == ["5000"])
    }

    @Test func sweepShowListsTheSlurmJobs() throws {
        let folder = try TemporaryFolder()
        let store = try RunStore(path: folder.storePath)
        let sweep = try store.createSweep(name: "on slurm", source: "test", trainings: [quickConfig()])
        try store.recordJob("4711", agents: 8, sweep: sweep.id)
        let output = try MimicProcess.run(["sweep", "show", "\(sweep.id)", "--store", folder.storePath], in: folder)
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("Slurm job 4711: 8 agents, submitted 20") }, "\(output.stdout)")
    }

    /// sbatch's own refusal, quoted, from a real Slurm (scripts/start-slurm) and a real
    /// PostgreSQL server; skipped where either is missing or Slurm is not started.
    @Test(.enabled(if: sbatchInstalled && TestPostgres.url != nil && slurmAnswersOrCIExpectsIt))
    func sbatchRefusingTheJobIsQuotedAndTheSweepStaysRecorded() throws {
        let test = try TestStore(.postgres)
        _ = try test.open()
        let output = try MimicProcess.run(["sweep"] + Self.grid + ["--slurm", "--partition", "no-such-partition",
                                                                    "--artifacts", test.file("shared"), "--store", test.argument],
                                          in: test.folder, changing: ["PGPASSWORD": try TestPostgres.server().password().password])
        #expect(output.status == 1)
        let script = test.file("shared/slurm/sweep-1.sbatch")
        #expect(output.stderr.hasPrefix("mimic: Sweep 1 is recorded, but sbatch refused the job (it said '"), "\(output.stderr)")
        #expect(output.stderr.contains("nvalid partition"), "\(output.stderr)")
        #expect(output.stderr.hasSuffix("the script is \(script): fix what sbatch names, then submit it with 'sbatch \(script)', "
            + "or run 'mimic sweep --slurm' again.\n"), "\(output.stderr)")
        #expect(FileManager.default.fileExists(atPath: script))
        #expect(try test.open().jobs(sweep: 1).isEmpty)
    }
}
