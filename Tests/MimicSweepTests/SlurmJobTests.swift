import Testing
@testable import MimicSweep

/// The sbatch script of `mimic sweep --slurm`, and the checks of its options.
@Suite struct SlurmJobTests {
    @Test func theScriptRunsEachAgentWithTheBinaryStoreAndArtifactsGiven() {
        let job = SlurmJob(mimic: "/opt/mimic/bin/mimic", sweep: 12, store: "postgres://alice@db.cluster:5432/mimic",
                           artifacts: "/shared/mimic", logs: "/shared/mimic/slurm/sweep-12", agents: 8,
                           partition: "gpu", time: "2:00:00")
        #expect(job.script == """
            #!/bin/bash
            # mimic sweep 12 as a Slurm job array: 8 agents, each training the sweep's
            # pending trainings until none is left. The store's password is not here: the job
            # gets it from sbatch's environment (PGPASSWORD) or from ~/.pgpass.
            #SBATCH --job-name=mimic-sweep-12
            #SBATCH --array=1-8
            #SBATCH --ntasks=1
            #SBATCH --output=/shared/mimic/slurm/sweep-12/job-%A-agent-%a.log
            #SBATCH --export=ALL
            #SBATCH --partition=gpu
            #SBATCH --time=2:00:00
            exec /opt/mimic/bin/mimic agent 12 --store postgres://alice@db.cluster:5432/mimic --artifacts /shared/mimic

            """)
    }

    @Test func withoutPartitionOrTimeTheClusterDefaultsHold() {
        let job = SlurmJob(mimic: "/usr/local/bin/mimic", sweep: 3, store: "postgres://bob@127.0.0.1:5432/runs",
                           artifacts: "/scratch/runs", logs: "/scratch/runs/slurm/sweep-3", agents: 1)
        let lines = job.script.split(separator: "\n").map(String.init)
        #expect(lines.contains("#SBATCH --array=1-1"))
        #expect(!lines.contains { $0.hasPrefix("#SBATCH --partition") || $0.hasPrefix("#SBATCH --time") })
        #expect(job.script.contains("1 agent, each training"))
        #expect(lines.last == "exec /usr/local/bin/mimic agent 3 --store postgres://bob@127.0.0.1:5432/runs --artifacts /scratch/runs")
    }

    @Test func aPathWithSpacesOrQuotesStaysOneWord() {
        let job = SlurmJob(mimic: "/home/o'neil/my tools/mimic", sweep: nil, store: "postgres://o@h:5432/d",
                           artifacts: "/shared/a b", logs: "/shared/a b/slurm", agents: 2)
        #expect(job.script.hasSuffix("exec '/home/o'\\''neil/my tools/mimic' agent SWEEP_ID --store postgres://o@h:5432/d --artifacts '/shared/a b'\n"))
    }

    @Test func agentsMustBeACountSlurmTakes() throws {
        #expect(throws: SlurmJob.Problem("--agents 0 gives the job array no agent; give a count of 1 or more, such as --agents 4.")) {
            try SlurmJob.check(agents: 0)
        }
        #expect(throws: SlurmJob.Problem.self) { try SlurmJob.check(agents: -2) }
        #expect(throws: SlurmJob.Problem.self) { try SlurmJob.check(agents: 1001) }
        try SlurmJob.check(agents: 1)
        try SlurmJob.check(agents: 1000)
    }

    @Test(arguments: ["90", "30:00", "2:00:00", "1-0", "2-12:30", "1-00:00:00", "UNLIMITED", "infinite"])
    func timeLimitsInSbatchFormsAreTaken(_ time: String) throws {
        try SlurmJob.check(time: time)
    }

    @Test(arguments: ["1h", "", "2:00:00:00", "-5", "1.5", "10 min", "1-", "2:00;rm -rf /"])
    func otherTimeLimitsAreRefusedNamingTheForms(_ time: String) {
        #expect(throws: SlurmJob.Problem("--time '\(time)' is not a time limit sbatch takes; give MINUTES, HOURS:MINUTES:SECONDS "
            + "or DAYS-HOURS:MINUTES, such as --time 90 or --time 2:00:00.")) {
            try SlurmJob.check(time: time)
        }
    }

    @Test func aPartitionIsOneName() throws {
        try SlurmJob.check(partition: "gpu-a100")
        #expect(throws: SlurmJob.Problem.self) { try SlurmJob.check(partition: "") }
        #expect(throws: SlurmJob.Problem.self) { try SlurmJob.check(partition: "gpu; rm -rf /") }
    }
}
