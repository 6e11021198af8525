extension ExperimentConfig {
    /// The configuration with `mentor` set to the architecture its mentor checkpoint
    /// records, when it is one mimic saved: that architecture, not the --mentor given
    /// (or its default), is the run's mentor, and a record must say so. A state_dict
    /// saved elsewhere records none, and is loaded as --mentor. A file that cannot be
    /// read is left for the experiment to refuse in its sentence.
    public func withMentorOfItsCheckpoint() -> ExperimentConfig {
        guard let path = mentorCheckpoint, let checkpoint = try? Checkpoint(path: path),
              let spec = checkpoint.metadata[Network.CheckpointKey.spec] else { return self }
        var config = self
        config.mentor = spec
        return config
    }
}
