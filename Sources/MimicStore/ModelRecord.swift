import MimicEngine

/// One row of `models`: a model of a run as planned, and as far as it got.
public struct ModelRecord: Sendable, Equatable {
    public var id: Int64
    public var runID: Int64
    public var role: ModelID.Role
    /// 1-based position among the models of its role, as in `ModelID.index`.
    public var position: Int
    public var spec: String
    public var parameters: Int
    public var forwardFLOPsPerSample: Int
    /// Epochs planned.
    public var epochs: Int
    public var status: ModelStatus
    public var epochsCompleted: Int
    public var trainingSeconds: Double
    /// The last test evaluation: the end of its last completed epoch.
    public var test: Evaluation?
    public var paritySeconds: Double?
    public var checkpoint: String?
    /// Why it diverged, was skipped, or why its checkpoint could not be written.
    public var message: String?

    public var modelID: ModelID { ModelID(role: role, index: position, spec: spec) }

    public init(row: StoreRow) throws(StoreError) {
        id = row["id"]
        runID = row["run_id"]
        let roleText: String = row["role"]
        guard let role = ModelID.Role(rawValue: roleText) else {
            throw StoreError("Model \(id) of run \(runID) has the role \(roleText), which this mimic does not know; a newer mimic wrote it: run that one.")
        }
        self.role = role
        position = row["position"]
        spec = row["spec"]
        parameters = row["parameters"]
        forwardFLOPsPerSample = row["forward_flops"]
        epochs = row["epochs"]
        let statusText: String = row["status"]
        status = ModelStatus(rawValue: statusText) ?? .interrupted
        epochsCompleted = row["epochs_completed"]
        trainingSeconds = row["training_seconds"]
        if let accuracy: Double = row["test_accuracy"], let loss: Double = row["test_loss"] {
            test = Evaluation(loss: loss, accuracy: accuracy, agreement: row["agreement"])
        }
        paritySeconds = row["parity_seconds"]
        checkpoint = row["checkpoint"]
        message = row["message"]
    }

    /// The engine's view of this model, so the report table reads the same as
    /// after training. Models still pending or training read as stopped there; the
    /// caller shows the stored status instead.
    public var result: ModelResult {
        let status: ModelResult.Status = switch self.status {
        case .finished: .finished
        case .diverged: .diverged(message ?? "")
        case .skipped: .skipped(message ?? "")
        case .stopped, .pending, .training, .interrupted: .stopped
        }
        var result = ModelResult(id: modelID, parameters: parameters, forwardFLOPsPerSample: forwardFLOPsPerSample, status: status)
        result.epochsCompleted = epochsCompleted
        result.trainingTime = trainingSeconds
        result.test = test
        result.timeToParity = paritySeconds
        result.checkpoint = checkpoint
        return result
    }
}
