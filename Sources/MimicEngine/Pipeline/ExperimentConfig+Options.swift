extension ExperimentConfig {
    /// The options of `mimic train` that repeat this configuration, as (flag, value)
    /// pairs in the order --help lists them; a value of nil is a flag without one.
    /// Options that say where or how fast (`--save`, `--threads`) are left out. Sweeps
    /// name their trainings by the options in which they differ.
    public var trainOptions: [(flag: String, value: String?)] {
        TrainOption.all.filter(\.describesRun).flatMap { option in
            option.values(self).map { (option.flag, option.kind == .flag ? nil : $0) }
        }
    }
}
