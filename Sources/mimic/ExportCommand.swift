import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a recorded run's metric series as CSV, or the whole run as JSON.",
        discussion: """
            CSV: one line per value, in long form (run, model, role, index, spec, step,
            epoch, samples_seen, training_seconds, wall_seconds, metric, value), ready
            for a spreadsheet or pandas. Metrics: train_loss, train_accuracy (agreement
            with the mentor for students), samples_per_second every few steps; test_loss,
            test_accuracy, test_agreement (and validation_*) at each epoch end.
            JSON: one object with the run, its configuration, and each model's result and
            metric series. Without a FILE (or with -), to standard output.
            Examples:
              mimic export 12 --csv run12.csv
              mimic export last --json
              mimic export 12 --json run12.json
            """)

    @Argument(help: ArgumentHelp("A run id from 'mimic runs', or 'last'.", valueName: "run"))
    var runID: String

    @Option(help: ArgumentHelp("Write the metric series as CSV to this file (- for standard output).", valueName: "file"))
    var csv: String?

    @Option(name: .long, defaultAsFlag: "-", parsing: .next,
            help: ArgumentHelp("Write the whole run as JSON to this file, or to standard output without one.", valueName: "file"))
    var json: String? = nil

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard (csv == nil) != (json == nil) else {
            throw ValidationError("Pass one of --csv FILE or --json [FILE] to say what to export.")
        }
    }

    func run() throws {
        let (store, id) = try storeOptions.openRun(runID, reading: true)
        let stored = try store.storedRun(id)
        let metrics = try store.metrics(ofRun: id)
        let text: String
        let target: String
        if let csv {
            text = Self.csv(stored, metrics)
            target = csv
        } else {
            text = try Self.json(stored, metrics, store: store)
            target = json ?? "-"
        }
        if target == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        try OutputFile(guarding: store).write(text, to: target, naming: "Run \(id)")
        writeErrorLine("wrote run \(id) to \(target)")
    }

    static let csvHeader = "run,model,role,index,spec,step,epoch,samples_seen,training_seconds,wall_seconds,metric,value"

    static func csv(_ stored: StoredRun, _ metrics: [MetricPoint]) -> String {
        let models = Dictionary(uniqueKeysWithValues: stored.models.map { ($0.id, $0) })
        var lines = [csvHeader]
        lines.reserveCapacity(metrics.count + 1)
        for point in metrics {
            guard let model = models[point.modelID] else { continue }
            let fields = [
                String(stored.run.id), model.modelID.name, model.role.rawValue, String(model.position), model.spec,
                String(point.step), String(point.epoch), String(point.samplesSeen), String(point.trainingSeconds),
                String(point.wallSeconds), point.name, String(point.value),
            ]
            lines.append(fields.map(ReportTable.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ stored: StoredRun, _ metrics: [MetricPoint], store: RunStore) throws -> String {
        let run = stored.run
        let series = Dictionary(grouping: metrics, by: \.modelID)
        let configObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(run.config))
        var runObject: [String: Any] = [
            "id": run.id, "status": run.status.rawValue, "started_at": iso(run.startedAt), "data_set": run.dataSet,
            "seed": run.seed, "program_version": run.programVersion, "config": configObject,
        ]
        runObject["folder"] = run.folder
        runObject["part_of"] = run.partOf
        runObject["ended_at"] = run.endedAt.map(iso)
        runObject["wall_seconds"] = run.wallSeconds
        runObject["message"] = run.message
        runObject["pid"] = run.pid
        runObject["host"] = run.host
        runObject["heartbeat_at"] = run.heartbeatAt.map(iso)
        if let split = run.split {
            runObject["split"] = ["labeled": split.labeled, "validation": split.validation,
                                  "unlabeled": split.unlabeled, "test": split.test]
        }
        let models: [[String: Any]] = stored.models.map { model in
            var object: [String: Any] = [
                "model": model.modelID.name, "role": model.role.rawValue, "index": model.position, "spec": model.spec,
                "parameters": model.parameters, "forward_flops_per_sample": model.forwardFLOPsPerSample,
                "epochs": model.epochs, "status": model.status.rawValue, "epochs_completed": model.epochsCompleted,
                "training_seconds": model.trainingSeconds,
                "metrics": (series[model.id] ?? []).map { point -> [String: Any] in
                    ["step": point.step, "epoch": point.epoch, "samples_seen": point.samplesSeen,
                     "training_seconds": point.trainingSeconds, "wall_seconds": point.wallSeconds,
                     "name": point.name, "value": point.value]
                },
            ]
            object["test_accuracy"] = model.test?.accuracy
            object["test_loss"] = model.test?.loss
            object["agreement"] = model.test?.agreement
            object["parity_seconds"] = model.paritySeconds
            object["checkpoint"] = model.checkpoint
            object["message"] = model.message
            return object
        }
        let data = try JSONSerialization.data(withJSONObject: ["run": runObject, "models": models],
                                              options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
