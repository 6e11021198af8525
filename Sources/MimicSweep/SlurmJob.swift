import Foundation
import MimicEngine

/// A sweep trained by a Slurm job array: N agents, each `mimic agent SWEEP` on whichever
/// node Slurm gives it, claiming the sweep's pending trainings from a PostgreSQL store
/// until none is left. This is the sbatch script and the checks of its options; the
/// command submits it.
public struct SlurmJob: Sendable, Equatable {
    /// The absolute path of the mimic binary every node runs (a shared file system).
    public var mimic: String
    /// The sweep's id; nil before it is recorded (a dry run), shown as SWEEP_ID.
    public var sweep: Int64?
    /// The store as the agents open it: its URL without any password.
    public var store: String
    /// The shared folder for the trainings' checkpoints (`--artifacts`).
    public var artifacts: String
    /// The folder of the agents' logs, one file per array task.
    public var logs: String
    public var agents: Int
    public var partition: String?
    public var time: String?

    public init(mimic: String, sweep: Int64?, store: String, artifacts: String, logs: String, agents: Int,
                partition: String? = nil, time: String? = nil) {
        self.mimic = mimic
        self.sweep = sweep
        self.store = store
        self.artifacts = artifacts
        self.logs = logs
        self.agents = agents
        self.partition = partition
        self.time = time
    }

    /// The sbatch script. It holds no password: sbatch hands the job the environment it
    /// was started with (--export=ALL), where a password given in the store's URL goes as
    /// PGPASSWORD; else each agent finds it in PGPASSWORD or ~/.pgpass on its node.
    public var script: String {
        let id = sweep.map(String.init) ?? "SWEEP_ID"
        var lines = [
            "#!/bin/bash",
            "# mimic sweep \(id) as a Slurm job array: \(agents) agent\(agents == 1 ? "" : "s"), each training the sweep's",
            "# pending trainings until none is left. The store's password is not here: the job",
            "# gets it from sbatch's environment (PGPASSWORD) or from ~/.pgpass.",
            "#SBATCH --job-name=mimic-sweep-\(id)",
            "#SBATCH --array=1-\(agents)",
            "#SBATCH --ntasks=1",
            "#SBATCH --output=\(logs)/job-%A-agent-%a.log",
            "#SBATCH --export=ALL",
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        lines.append("exec \(Self.quoted(mimic)) agent \(id) --store \(Self.quoted(store)) --artifacts \(Self.quoted(artifacts))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` as one word for bash, quoted only when it needs it.
    static func quoted(_ text: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:@+=,%")
        if !text.isEmpty, text.unicodeScalars.allSatisfy(plain.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public struct Problem: ReportableError, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// `--agents`: at least one; Slurm's default MaxArraySize (1001) allows up to 1000.
    public static func check(agents: Int) throws(Problem) {
        guard agents >= 1 else {
            throw Problem("--agents \(agents) gives the job array no agent; give a count of 1 or more, such as --agents 4.")
        }
        guard agents <= 1000 else {
            throw Problem("--agents \(agents) is more than a Slurm job array takes by default (1000); give 1000 or fewer.")
        }
    }

    /// `--time` in one of sbatch's forms: MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS,
    /// DAYS-HOURS, DAYS-HOURS:MINUTES, DAYS-HOURS:MINUTES:SECONDS, or UNLIMITED.
    public static func check(time: String) throws(Problem) {
        let forms = [#"^\d+$"#, #"^\d+:\d{1,2}$"#, #"^\d+:\d{1,2}:\d{1,2}$"#,
                     #"^\d+-\d{1,2}$"#, #"^\d+-\d{1,2}:\d{1,2}$"#, #"^\d+-\d{1,2}:\d{1,2}:\d{1,2}$"#]
        let fits = ["UNLIMITED", "INFINITE"].contains(time.uppercased())
            || forms.contains { time.range(of: $0, options: .regularExpression) != nil }
        guard fits else {
            throw Problem("--time '\(time)' is not a time limit sbatch takes; give MINUTES, HOURS:MINUTES:SECONDS "
                + "or DAYS-HOURS:MINUTES, such as --time 90 or --time 2:00:00.")
        }
    }

    /// `--partition`: a name, one word.
    public static func check(partition: String) throws(Problem) {
        guard !partition.isEmpty, partition.range(of: #"^[A-Za-z0-9_.,-]+$"#, options: .regularExpression) != nil else {
            throw Problem("--partition '\(partition)' is not a partition name; give one that 'sinfo' lists, such as --partition gpu.")
        }
    }
}
