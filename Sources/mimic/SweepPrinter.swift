import Foundation
import MimicBench
import MimicEngine
import MimicStore
import MimicSweep

/// What `mimic sweep` prints: the plan of a dry run and the results of a sweep.
enum SweepPrinter {
    static func printPlan(_ plan: SweepPlan, file: SweepFile, store: RunStore?) throws {
        let grid = file.parameters.filter { $0.values.count > 1 }.map { "\($0.name) \($0.values.count)" }.joined(separator: " x ")
        writeLine("sweep\(file.name.map { " \"\($0)\"" } ?? ""): \(plan.points.count) points (\(grid)), "
            + "\(plan.trainings.count) trainings, each a recorded run whose mentor serves all its students")
        let estimate = try estimator(store: store)
        var dataSets = LoadedDataSets()
        var rows: [[String]] = []
        var total = 0.0
        let configs = plan.trainings.map(\.config)
        for (k, training) in plan.trainings.enumerated() {
            let config = training.config
            let seconds = try estimate.seconds(config, dataSet: dataSets.dataSet(for: config))
            total += seconds
            rows.append([String(k + 1), SweepField.describe(config, among: configs), config.students.joined(separator: ", "),
                         config.baselines ? "yes" : "no", String(SweepPlan.modelCount(config)), duration(seconds)])
        }
        writeLine("")
        writeLine(PlainTable(columns: ["#", "training", "students", "baselines", "models", "estimate"], rows: rows,
                             leftAligned: [1, 2, 3]).text)
        writeLine("")
        let saved = plan.modelsWithoutSharing - plan.models
        writeLine("models trained: \(plan.models), against \(plan.modelsWithoutSharing) with one run per point"
            + (saved > 0 ? " (\(saved) fewer: each training's mentor is trained once for all its students)" : ""))
        writeLine("estimated time: \(duration(total)) with one worker, at \(String(format: "%.0f", estimate.rate / 1e9)) GFLOPS of training (\(estimate.source))")
    }

    /// The training rate measured on this machine: from the models in the run store,
    /// or, before any, from a second of cblas_sgemm at the share of it training reaches.
    static func estimator(store: RunStore?) throws -> SweepEstimate {
        if let store, let measured = try store.trainingRate() {
            return SweepEstimate(rate: measured.flopsPerSecond,
                                 source: "measured over the \(measured.models) finished models in \(store.location)")
        }
        let gemm = Benchmark.sgemmGFLOPS(size: 1024, seconds: 0.5) * 1e9
        return SweepEstimate(rate: gemm * trainingShareOfSGEMM,
                             source: String(format: "half of this machine's cblas_sgemm, %.0f GFLOPS; no run recorded yet to measure", gemm / 1e9))
    }

    /// Training reaches about half of cblas_sgemm's rate here ('mimic bench': 42-80%).
    static let trainingShareOfSGEMM = 0.5

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m \(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h \(String(format: "%02d", whole / 60 % 60))m"
    }

    /// One row per student of each training, from what the store recorded: its test
    /// accuracy and loss against the mentor's and its baseline's.
    static func results(of sweep: SweepRecord, runs: [RunRecord], store: RunStore) throws -> PlainTable {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
        func points(_ a: Double?, _ b: Double?) -> String {
            guard let a, let b else { return "-" }
            return String(format: "%+.2f", (a - b) * 100)
        }
        var rows: [[String]] = []
        for (k, config) in sweep.trainings.enumerated() {
            let training = SweepField.describe(config, among: sweep.trainings)
            guard let run = runs.first(where: { $0.slot?.training == k }) else {
                rows.append([training, config.students.joined(separator: ","), "-", "-", "-", "-", "-", "-", "not run"])
                continue
            }
            let models = try store.models(ofRun: run.id)
            let mentor = models.first { $0.role == .mentor }?.test?.accuracy
            for student in models where student.role == .student {
                let baseline = models.first { $0.role == .baseline && $0.position == student.position }?.test?.accuracy
                let accuracy = student.test?.accuracy
                rows.append([training, student.spec, percent(mentor), percent(accuracy),
                             student.test.map { String(format: "%.4f", $0.loss) } ?? "-", points(accuracy, mentor),
                             percent(baseline), points(accuracy, baseline),
                             run.status == .done ? "run \(run.id)" : "run \(run.id) \(run.status.rawValue)"])
            }
        }
        return PlainTable(columns: ["training", "student", "mentor acc", "student acc", "student loss", "Δ mentor",
                                    "baseline acc", "Δ baseline", "run"], rows: rows, leftAligned: [0, 1, 8])
    }
}
