/// Everything the pipeline tells its listeners, in order.
public enum TrainingEvent: Sendable {
    case runStarted(RunPlan)
    case phaseStarted(Phase)
    case progress(TrainingProgress)
    /// Mentor annotation of the unlabeled pool.
    case annotated(samples: Int, seconds: Double)
    case modelFinished(ModelResult)
    case paused
    case resumed
    case runFinished(ExperimentReport)
}
