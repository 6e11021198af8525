import Foundation
import MimicChildProcess
import MimicStore
import MimicSweep

/// `mimic sweep --slurm`: the options, the checks made before anything is recorded,
/// and the submission of the sbatch script.
struct SlurmOptions {
    var agents = 1
    var partition: String?
    var time: String?
    var artifacts: String?

    /// Takes --slurm, --agents, --partition, --time and --artifacts out of the grid's
    /// words; nil when --slurm is not among them.
    static func take(from words: inout [String]) throws -> SlurmOptions? {
        var options = SlurmOptions()
        var slurm = false
        var named: [String] = []
        var index = 0
        while index < words.count {
            var word = words[index]
            var value: String?
            if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                value = String(word[word.index(after: equals)...])
                word = String(word[..<equals])
            }
            guard ["--slurm", "--agents", "--partition", "--time", "--artifacts"].contains(word) else {
                index += 1
                continue
            }
            named.append(word)
            var taken = 1
            if word != "--slurm", value == nil {
                guard index + 1 < words.count else {
                    throw SlurmJob.Problem("\(word) needs a value, such as \(word) \(Self.example(word)).")
                }
                value = words[index + 1]
                taken = 2
            }
            switch word {
            case "--slurm": slurm = true
            case "--agents":
                guard let count = Int(value!) else {
                    throw SlurmJob.Problem("--agents '\(value!)' is not a count; give a whole number of agents, such as --agents 4.")
                }
                options.agents = count
            case "--partition": options.partition = value
            case "--time": options.time = value
            default: options.artifacts = value
            }
            words.removeSubrange(index..<index + taken)
        }
        guard slurm else {
            if let stray = named.first(where: { $0 != "--slurm" }) {
                throw SlurmJob.Problem("\(stray) is an option of a sweep sent to Slurm; add --slurm, or leave \(stray) out to train here.")
            }
            return nil
        }
        try SlurmJob.check(agents: options.agents)
        if let partition = options.partition { try SlurmJob.check(partition: partition) }
        if let time = options.time { try SlurmJob.check(time: time) }
        return options
    }

    private static func example(_ option: String) -> String {
        switch option {
        case "--agents": "4"
        case "--partition": "gpu"
        case "--time": "2:00:00"
        default: "/shared/mimic"
        }
    }
}

enum SlurmSubmission {
    /// The store the agents open, or the sentence refusing a SQLite file: the array's
    /// agents run on whichever nodes Slurm picks, and a SQLite file on a shared (network)
    /// file system has no locking to trust, so they could record one training twice or
    /// corrupt the file; the agents' claim (FOR UPDATE SKIP LOCKED) is PostgreSQL's.
    static func checkStore(_ address: StoreAddress) throws -> PostgresAddress {
        guard case .postgres(let postgres) = address else {
            throw SlurmJob.Problem("--slurm needs a PostgreSQL store that every node reaches, and \(address) is a SQLite file, "
                + "which agents on several nodes cannot share safely; give --store postgres://USER@HOST:PORT/DATABASE.")
        }
        return postgres
    }

    /// The sbatch program on PATH, or the sentence saying it is not there.
    static func sbatch(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/sbatch"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw SlurmJob.Problem("sbatch is not installed here (not on PATH), so the sweep cannot go to Slurm; "
            + "run this on a Slurm login node, or leave --slurm out to train here (--dry-run shows the script).")
    }

    /// This program's absolute path, the one every node runs (from a shared file system).
    static var mimicPath: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Writes the job's script to `path` and submits it; returns the job id sbatch gave.
    /// The store's password (given in its URL) reaches the job through sbatch's
    /// environment as PGPASSWORD, never through the script or the command line.
    static func submit(_ job: SlurmJob, scriptPath: String, sbatch: String, address: StoreAddress) throws -> String {
        try FileManager.default.createDirectory(atPath: job.logs, withIntermediateDirectories: true)
        try job.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
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
