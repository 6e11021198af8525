import Foundation
import MimicChildProcess
import MimicEngine
import MimicStore

/// `mimic sweep --slurm`: its options, checked before anything is recorded, and the
/// submission of the sweep's job array.
public struct SlurmOptions: Sendable, Equatable {
    public var agents = 1
    public var partition: String?
    public var time: String?
    public var artifacts: String?

    /// The options as given (`agents` as text, so that a count that is not one gets the
    /// same sentence wherever it stands); one sentence for the first that is wrong.
    public init(agents: String?, partition: String?, time: String?, artifacts: String?) throws(SlurmJob.Problem) {
        if let agents {
            guard let count = Int(agents) else {
                throw SlurmJob.Problem("--agents '\(agents)' is not a count; give a whole number of agents, such as --agents 4.")
            }
            self.agents = count
        }
        try SlurmJob.check(agents: self.agents)
        if let partition { try SlurmJob.check(partition: partition) }
        if let time { try SlurmJob.check(time: time) }
        self.partition = partition
        self.time = time
        self.artifacts = artifacts
    }

    /// Refuses the Slurm options given to a sweep that is not sent to Slurm.
    public static func refuseWithoutSlurm(_ given: [(option: String, value: String?)]) throws(SlurmJob.Problem) {
        if let stray = given.first(where: { $0.value != nil }) {
            throw SlurmJob.Problem("\(stray.option) is an option of a sweep sent to Slurm; add --slurm, or leave \(stray.option) out to train here.")
        }
    }
}

/// A sweep sent to Slurm: recorded in a PostgreSQL store, its sbatch script written into
/// the shared artifacts folder and submitted, the job recorded with the sweep.
public struct SlurmSubmission {
    public let address: StoreAddress
    /// The folder every node shares for checkpoints and the agents' logs.
    public let artifacts: String
    public let options: SlurmOptions

    /// Checks what can be checked before anything is recorded: the store must be
    /// PostgreSQL. The array's agents run on whichever nodes Slurm picks, and a SQLite
    /// file on a shared (network) file system has no locking to trust, so they could
    /// record one training twice or corrupt the file; the agents' claim (FOR UPDATE
    /// SKIP LOCKED) is PostgreSQL's.
    public init(address: StoreAddress, options: SlurmOptions) throws(SlurmJob.Problem) {
        guard case .postgres = address else {
            throw SlurmJob.Problem("--slurm needs a PostgreSQL store that every node reaches, and \(address) is a SQLite file, "
                + "which agents on several nodes cannot share safely; give --store postgres://USER@HOST:PORT/DATABASE.")
        }
        self.address = address
        self.options = options
        self.artifacts = URL(fileURLWithPath: ((options.artifacts ?? address.defaultFolder()) as NSString).expandingTildeInPath)
            .standardizedFileURL.path
    }

    /// The job array of sweep `sweep` (nil before it is recorded: a dry run's script).
    public func job(sweep: Int64?) -> SlurmJob {
        let logs = (artifacts as NSString).appendingPathComponent("slurm/sweep-\(sweep.map(String.init) ?? "SWEEP_ID")")
        return SlurmJob(mimic: Self.mimicPath, sweep: sweep, store: address.description, artifacts: artifacts,
                        logs: logs, agents: options.agents, partition: options.partition, time: options.time)
    }

    /// What a submission did: the sweep it recorded, its job and where the script is.
    public struct Submitted: Sendable {
        public let sweep: SweepRecord
        public let job: SlurmJob
        public let jobID: String
        public let scriptPath: String
    }

    /// Records the sweep's `trainings` as sweep `name` and submits its job array. A
    /// failure after the sweep is recorded names it, so that nothing recorded is lost.
    public func submit(name: String?, source: String, trainings: [ExperimentConfig],
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Submitted {
        let sbatch = try Self.sbatch(environment: environment)
        let store = try RunStore(address)
        let sweep = try store.createSweep(name: name, source: source, trainings: trainings)
        let job = job(sweep: sweep.id)
        let scriptPath = (artifacts as NSString).appendingPathComponent("slurm/sweep-\(sweep.id).sbatch")
        let jobID: String
        do {
            jobID = try Self.submit(job, scriptPath: scriptPath, sbatch: sbatch, address: address, environment: environment)
        } catch let problem as SlurmJob.Problem {
            throw SlurmJob.Problem("Sweep \(sweep.id) is recorded, but " + problem.description)
        } catch {
            throw SlurmJob.Problem("Sweep \(sweep.id) is recorded, but its Slurm script \(scriptPath) cannot be written or sbatch started (\(error)); "
                + "check that \(artifacts) is a folder you may write, then run 'sbatch \(scriptPath)'.")
        }
        try store.recordJob(jobID, agents: job.agents, sweep: sweep.id)
        return Submitted(sweep: sweep, job: job, jobID: jobID, scriptPath: scriptPath)
    }

    /// The sbatch program on PATH, or the sentence saying it is not there.
    public static func sbatch(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SlurmJob.Problem) -> String {
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/sbatch"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw SlurmJob.Problem("sbatch is not installed here (not on PATH), so the sweep cannot go to Slurm; "
            + "run this on a Slurm login node, or leave --slurm out to train here (--dry-run shows the script).")
    }

    /// This program's absolute path, the one every node runs (from a shared file system).
    public static var mimicPath: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Writes the job's script to `path` and submits it; returns the job id sbatch gave.
    /// The store's password (given in its URL) reaches the job through sbatch's
    /// environment as PGPASSWORD, never through the script or the command line.
    static func submit(_ job: SlurmJob, scriptPath: String, sbatch: String, address: StoreAddress,
                       environment: [String: String]) throws -> String {
        try FileManager.default.createDirectory(atPath: job.logs, withIntermediateDirectories: true)
        try job.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        var environment = environment
        for (name, value) in address.childEnvironment { environment[name] = value }
        let output = NSTemporaryDirectory() + "mimic-sbatch-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess.start(sbatch, ["--parsable", scriptPath], output: .file(output), error: .standardOutput,
                                           environment: environment)
        let status = child.wait()
        let said = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, let jobID = said.split(separator: "\n").last.map(String.init), !jobID.isEmpty,
              jobID.first?.isNumber == true else {
            let quoted = said.isEmpty ? "nothing" : "'\(said.replacingOccurrences(of: "\n", with: " "))'"
            throw SlurmJob.Problem("sbatch refused the job (it said \(quoted)); the script is \(scriptPath): "
                + "fix what sbatch names, then submit it with 'sbatch \(scriptPath)', or run 'mimic sweep --slurm' again.")
        }
        return jobID
    }
}
