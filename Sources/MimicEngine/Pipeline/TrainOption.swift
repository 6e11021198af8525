/// One option of `mimic train`, defined once: its name (the flag `--name`, the sweep
/// file's parameter, the key a dashboard field edits), its help, how it reads its value
/// into an `ExperimentConfig` and how a config writes it back. Everything that names an
/// option (the command line, `mimic show` and `compare`, a resume's refusal, a sweep's
/// grid and the names of its trainings) comes from `TrainOption.all`.
public struct TrainOption: Sendable {
    public enum Kind: Sendable {
        /// `--name VALUE`, once.
        case value
        /// `--name VALUE`, as often as wanted (`--student`).
        case repeated
        /// `--name` alone: on or off (`--baselines`).
        case flag
    }

    /// The long flag without its dashes, such as "student-lr".
    public let name: String
    public let kind: Kind
    /// What the value is, as help shows it (`--mentor <spec>`).
    public let valueName: String
    /// One sentence for --help, without the default, which comes from `ExperimentConfig()`.
    public let summary: String
    /// Whether the option says what the run is; false for what only says where or how
    /// fast (`--save`, `--threads`): those are left out of the command line that repeats
    /// a run and of the settings two runs are compared on.
    public let describesRun: Bool
    /// The values that write `config`'s setting back, as typed; none when the setting is
    /// off or absent (no `--validation` for 0, no `--baselines` when false).
    public let values: @Sendable (ExperimentConfig) -> [String]
    /// Sets `config`'s setting from the values given (one for `.value`, any number for
    /// `.repeated`, "true" or "false" for `.flag`); one sentence for a value that is not
    /// one. Ranges are checked by `ExperimentConfig.validate`, once for the whole config.
    let read: @Sendable (inout ExperimentConfig, [String]) throws(ConfigError) -> Void

    public var flag: String { "--" + name }

    /// The help line, with the default a run gets without the option.
    public var help: String {
        let shown = values(ExperimentConfig())
        guard kind != .flag, !shown.isEmpty else { return summary }
        return summary + " (default: \(shown.joined(separator: ", ")))"
    }

    /// The setting as options on a command line: "--epochs 3", "--student a --student b",
    /// "--baselines"; empty when off or absent.
    public func written(_ config: ExperimentConfig) -> String {
        values(config).map { kind == .flag ? flag : "\(flag) \($0)" }.joined(separator: " ")
    }

    /// Sets this option in `config` from `given`.
    public func apply(_ given: [String], to config: inout ExperimentConfig) throws(ConfigError) {
        try read(&config, given)
    }
}

extension TrainOption {
    /// Every option, in the order --help lists them. A reused mentor comes before the
    /// mentor's spec (which only a state_dict saved elsewhere needs): a run's first
    /// difference names it.
    /// `--student none`: no student at all.
    public static let noStudent = "none"

    public static let all: [TrainOption] = [
        text("data", "path", "Folder with the four IDX files (MNIST, Fashion-MNIST), the CIFAR-10 binary batches, or image folders train/<class>/ and test/<class>/ (PNG, JPEG); or a NumPy .npz file with x_train, y_train, x_test and y_test (and x_unlabeled, images without a class).",
             \.dataDirectory),
        TrainOption(name: "unlabeled", kind: .value, valueName: "folder",
                    summary: "A folder of images without a class (PNG, JPEG) that joins the students' unlabeled pool; an image folder's own unlabeled/ beside train/ joins it without this.",
                    describesRun: true,
                    values: { $0.unlabeledDirectory.map { [$0] } ?? [] },
                    read: { config, given throws(ConfigError) in config.unlabeledDirectory = try single("unlabeled", given) }),
        number("labeled", "Fraction of the training set that keeps its labels, in (0, 1], stratified per class; 1 when the students learn from images without a class alone.", \.labeledFraction),
        number("validation", "Fraction of the labeled part held out for validation, in [0, 1).", \.validationFraction,
               shownWhen: { $0 > 0 }),
        TrainOption(name: "mentor-checkpoint", kind: .value, valueName: "file",
                    summary: "Use this mentor instead of training one: saved by an earlier run with --save on the same split (seed and --labeled), or trained elsewhere, as a state_dict of the --mentor architecture saved as safetensors ('mimic presets --spec S --pytorch' prints its PyTorch module).",
                    describesRun: true,
                    values: { $0.mentorCheckpoint.map { [$0] } ?? [] },
                    read: { config, given throws(ConfigError) in config.mentorCheckpoint = try single("mentor-checkpoint", given) }),
        TrainOption(name: "mentor-logits", kind: .value, valueName: "file",
                    summary: "Use a mentor known only by its outputs: its logits for every image of the pool and, optionally, of the test set, as a .npy (pool rows, then test rows) or a safetensors file (tensors pool and test), in the order 'mimic data list' prints.",
                    describesRun: true,
                    values: { $0.mentorLogits.map { [$0] } ?? [] },
                    read: { config, given throws(ConfigError) in config.mentorLogits = try single("mentor-logits", given) }),
        TrainOption(name: "mentor", kind: .value, valueName: "spec",
                    summary: "Mentor architecture: a preset (see 'mimic presets') or a spec like conv32-pool-fc128.",
                    describesRun: true,
                    values: { [$0.mentor] },
                    read: { config, given throws(ConfigError) in config.mentor = try single("mentor", given) }),
        TrainOption(name: "student", kind: .repeated, valueName: "spec",
                    summary: "Student architecture; repeat for several. 'none' trains the mentor alone: with --labeled 1, a supervised reference on every label.",
                    describesRun: true,
                    values: { $0.students.isEmpty ? [noStudent] : $0.students },
                    read: { config, given throws(ConfigError) in
                        guard !given.isEmpty else { return }
                        if given.contains(noStudent) {
                            guard given == [noStudent] else {
                                throw ConfigError(message: "--student none is given with other students; give none alone, or only the students.")
                            }
                            config.students = []
                        } else {
                            config.students = given
                        }
                    }),
        choice("loss", "How students learn from the mentor: "
               + MimicLoss.allCases.map { "\($0.rawValue) = \($0.summary)" }.joined(separator: "; ") + ".", \.loss),
        number("temperature", "Softening temperature T of the kd loss.", \.temperature),
        number("epochs", "Epochs of the mentor and of the labeled-only baselines.", \.epochs),
        number("student-epochs", "Epochs of each student over the unlabeled pool.", \.studentEpochs),
        number("batch", "Samples per training step.", \.batchSize),
        number("seed", "Seed of the split, the initial weights, shuffling and dropout; the same seed repeats a run.", \.seed),
        choice("optimizer", "Optimizer: " + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ") + ".", \.optimizer),
        number("lr", "Base learning rate of the mentor and the baselines.", \.learningRate),
        number("student-lr", "Base learning rate of the students.", \.studentLearningRate),
        number("momentum", "Momentum of SGD.", \.momentum),
        number("weight-decay", "L2 weight decay on the conv and fc weights (biases and batch norm's scale and shift too with --decay-all).",
               \.weightDecay),
        TrainOption(name: "decay-all", kind: .flag, valueName: "",
                    summary: "Decay every parameter, biases and batch norm's scale and shift too, as torch.optim.SGD(model.parameters(), weight_decay=W) and the published CIFAR recipes do.",
                    describesRun: true,
                    values: { $0.decayAll == true ? ["true"] : [] },
                    read: { config, given throws(ConfigError) in config.decayAll = try switchedOn("decay-all", given) }),
        TrainOption(name: "schedule", kind: .value, valueName: "schedule",
                    summary: "Learning-rate schedule: constant, cosine, or step:E1/E2/... (a tenth of the rate after each of those epochs, as MultiStepLR).",
                    describesRun: true,
                    values: { [$0.schedule.description] },
                    read: { config, given throws(ConfigError) in config.schedule = try LearningRateSchedule.parse(single("schedule", given)) }),
        TrainOption(name: "augment", kind: .value, valueName: "spec",
                    summary: "Shift (by up to N pixels) and mirror the labeled images the mentor and the baselines learn from, "
                        + "drawn anew each epoch: shiftN, flip, shiftN-flip, cropN-flip (torchvision's RandomCrop(padding=N) and flip) or none.",
                    describesRun: true,
                    values: { $0.augmentation.map { [$0.description] } ?? [] },
                    read: { config, given throws(ConfigError) in config.augmentation = try Augmentation.parse(single("augment", given)) }),
        TrainOption(name: "baselines", kind: .flag, valueName: "",
                    summary: "Also train each student's architecture on the labeled part alone, as the baseline it must beat.",
                    describesRun: true,
                    values: { $0.baselines ? ["true"] : [] },
                    read: { config, given throws(ConfigError) in config.baselines = try switchedOn("baselines", given) }),
        TrainOption(name: "save", kind: .value, valueName: "dir",
                    summary: "Write each trained model as a safetensors checkpoint into this folder.", describesRun: false,
                    values: { $0.saveDirectory.map { [$0] } ?? [] },
                    read: { config, given throws(ConfigError) in config.saveDirectory = try single("save", given) }),
        TrainOption(name: "threads", kind: .value, valueName: "threads",
                    summary: "Threads the engine uses (default: one per core, or OPENBLAS_NUM_THREADS).", describesRun: false,
                    values: { $0.threads.map { ["\($0)"] } ?? [] },
                    read: { config, given throws(ConfigError) in config.threads = try parsed("threads", given, as: Int.self) }),
    ]

    /// The option named `name` (without dashes), if there is one.
    public static func named(_ name: String) -> TrainOption? {
        all.first { $0.name == name }
    }

    /// The configuration that `given` (option name and values, each option at most
    /// once) sets on top of the defaults, checked whole: the first problem as one sentence.
    public static func config(from given: [(name: String, values: [String])]) throws(ConfigError) -> ExperimentConfig {
        var config = ExperimentConfig()
        for (name, values) in given {
            guard let option = named(name) else {
                throw ConfigError(message: "--\(name) is not an option of 'mimic train'; 'mimic train --help' lists them.")
            }
            try option.apply(values, to: &config)
        }
        try config.validate()
        return config
    }
}

// MARK: - Kinds of option

extension TrainOption {
    private static func text(_ name: String, _ valueName: String, _ summary: String,
                             _ field: WritableKeyPath<ExperimentConfig, String> & Sendable) -> TrainOption {
        TrainOption(name: name, kind: .value, valueName: valueName, summary: summary, describesRun: true,
                    values: { [$0[keyPath: field]] },
                    read: { config, given throws(ConfigError) in config[keyPath: field] = try single(name, given) })
    }

    private static func number<Value: LosslessStringConvertible & Sendable>(
        _ name: String, _ summary: String, _ field: WritableKeyPath<ExperimentConfig, Value> & Sendable,
        shownWhen shown: @escaping @Sendable (Value) -> Bool = { _ in true }
    ) -> TrainOption {
        TrainOption(name: name, kind: .value, valueName: name, summary: summary, describesRun: true,
                    values: { shown($0[keyPath: field]) ? ["\($0[keyPath: field])"] : [] },
                    read: { config, given throws(ConfigError) in config[keyPath: field] = try parsed(name, given, as: Value.self) })
    }

    private static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ summary: String, _ field: WritableKeyPath<ExperimentConfig, Value> & Sendable
    ) -> TrainOption where Value.RawValue == String {
        TrainOption(name: name, kind: .value, valueName: name, summary: summary, describesRun: true,
                    values: { [$0[keyPath: field].rawValue] },
                    read: { config, given throws(ConfigError) in
                        let text = try single(name, given)
                        guard let value = Value(rawValue: text.lowercased()) else {
                            let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
                            throw ConfigError(message: "--\(name) '\(text)' is not one of \(names); pass one of them.")
                        }
                        config[keyPath: field] = value
                    })
    }

    private static func single(_ name: String, _ given: [String]) throws(ConfigError) -> String {
        guard given.count == 1, let value = given.first else {
            throw ConfigError(message: "--\(name) is given \(given.count) times; give it once.")
        }
        return value
    }

    private static func parsed<Value: LosslessStringConvertible>(_ name: String, _ given: [String], as: Value.Type)
        throws(ConfigError) -> Value
    {
        let text = try single(name, given)
        guard let value = Value(text.trimmingCharacters(in: .whitespaces)) else {
            let kind = Value.self == Int.self || Value.self == UInt64.self ? "a whole number" : "a number"
            throw ConfigError(message: "--\(name) '\(text)' is not \(kind); pass \(kind), such as \(example(name)).")
        }
        return value
    }

    /// The default as the example of a good value, or a typical one where there is none.
    private static func example(_ name: String) -> String {
        if name == "threads" { return "2" }
        return named(name)?.values(ExperimentConfig()).first ?? "1"
    }

    /// "true" or "false" (also yes/no, on/off, 1/0, as YAML and people write them).
    private static func switchedOn(_ name: String, _ given: [String]) throws(ConfigError) -> Bool {
        let text = try single(name, given).lowercased()
        switch text {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            throw ConfigError(message: "--\(name) '\(text)' is neither true nor false; give true or false.")
        }
    }
}
