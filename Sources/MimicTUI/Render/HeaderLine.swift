import MimicEngine

/// The top line: data set, split sizes, phase, epoch, speed, elapsed and remaining
/// time. On a narrow terminal the least useful parts go first.
enum HeaderLine {
    struct Segment {
        var text: String
        /// Higher stays longer.
        var priority: Int
        var style: CellStyle = .header
    }

    static func segments(_ state: DashboardState, glyphs: GlyphSet) -> [Segment] {
        if state.showingSweep, let board = state.sweep { return sweepSegments(board, state, glyphs: glyphs) }
        var segments = [Segment(text: "mimic", priority: 2)]
        // First among the rest: what is on screen may be old, and this says why.
        if let failure = state.storeFailure {
            segments.append(Segment(text: StoreReachReducer.headerText(failure, now: state.now), priority: 12, style: .bad))
        }
        let name = state.run?.plan?.dataSet ?? state.dataSet?.name
        if let watched = state.watchedRun {
            // A watcher loads no data set: the run's own process has it.
            let text = watched.isTraining ? "watching run \(watched.id) (read-only)"
                : "looking back at run \(watched.id) (read-only)"
            segments.append(Segment(text: text, priority: 11, style: watched.isTraining ? .header : .warning))
        } else {
            switch state.data {
            case .loading: segments.append(Segment(text: "loading data set" + glyphs.ellipsis, priority: 10))
            case .failed: segments.append(Segment(text: "no data set", priority: 10, style: .bad))
            case .ready: break
            }
        }
        if let name { segments.append(Segment(text: name, priority: 6)) }
        if let split = state.run?.plan?.split {
            segments.append(Segment(text: splitText(labeled: split.labeled, unlabeled: split.unlabeled, test: split.test,
                                                    glyphs: glyphs), priority: 3))
        } else if case .counts(let counts) = state.splitPreview {
            segments.append(Segment(text: splitText(labeled: counts.labeled, unlabeled: counts.unlabeled,
                                                    test: counts.test, glyphs: glyphs), priority: 3))
        }
        guard let run = state.run else {
            if state.dataSet != nil { segments.append(Segment(text: "idle, Space starts", priority: 10)) }
            return segments
        }
        segments.append(Segment(text: phaseText(run, watched: state.watchedRun), priority: 10,
                                style: run.status == .paused ? .warning : .header))
        if let current = run.current, run.status != .finished {
            segments.append(Segment(text: "epoch \(current.epoch)/\(current.epochs)", priority: 8))
            segments.append(Segment(text: "\(Formatting.count(Int(current.samplesPerSecond.rounded()))) samples/s", priority: 4))
        }
        segments.append(Segment(text: Formatting.duration(run.elapsed(now: state.now)) + " elapsed", priority: 7))
        if let remaining = run.remaining(now: state.now) {
            segments.append(Segment(text: "~" + Formatting.duration(remaining) + " left", priority: 5))
        }
        return segments
    }

    /// The sweep view's header: which sweep, how far it is, and the run on screen behind it.
    static func sweepSegments(_ board: SweepBoard, _ state: DashboardState, glyphs: GlyphSet) -> [Segment] {
        let results = board.results
        var segments = [Segment(text: "mimic", priority: 2),
                        Segment(text: "sweep \(board.sweepID)" + (board.name.map { " \"\($0)\"" } ?? ""), priority: 10),
                        Segment(text: "\(results.doneCount)/\(results.trainings.count) trainings done", priority: 9)]
        if let failure = state.storeFailure {
            segments.insert(Segment(text: StoreReachReducer.headerText(failure, now: state.now), priority: 12, style: .bad), at: 1)
        }
        let running = results.outcomes.values.filter(\.isRunning).count
        if running > 0 { segments.append(Segment(text: "\(running) training now", priority: 6)) }
        if let watched = state.watchedRun, watched.isTraining {
            segments.append(Segment(text: "following run \(watched.id)", priority: 4))
        }
        return segments
    }

    static func splitText(labeled: Int, unlabeled: Int, test: Int, glyphs: GlyphSet) -> String {
        "\(Formatting.count(labeled)) labeled \(glyphs.middleDot) \(Formatting.count(unlabeled)) unlabeled "
            + "\(glyphs.middleDot) \(Formatting.count(test)) test"
    }

    static func phaseText(_ run: RunState, watched: WatchedRun? = nil) -> String {
        let phase = run.phase?.description ?? "starting"
        // The store knows how a watched run ended (interrupted, failed) better than its results do.
        if run.status == .finished, let watched, !watched.isTraining { return watched.status.rawValue }
        switch run.status {
        case .starting: return "starting"
        case .running: return phase
        case .paused: return "paused (\(phase))"
        case .stopping: return "stopping"
        case .finished: return run.results.allSatisfy { $0.status == .finished } ? "done" : "stopped"
        }
    }

    static func draw(_ state: DashboardState, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        grid.fill(rect, style: .header)
        var segments = segments(state, glyphs: glyphs)
        let separator = " \(glyphs.vertical) "
        func length(_ segments: [Segment]) -> Int {
            segments.reduce(0) { $0 + $1.text.count } + max(0, segments.count - 1) * separator.count + 1
        }
        while length(segments) > rect.width, let lowest = segments.indices.min(by: { segments[$0].priority < segments[$1].priority }) {
            segments.remove(at: lowest)
        }
        var x = rect.x + 1
        for (n, segment) in segments.enumerated() {
            if n > 0 { x = grid.write(separator, x: x, y: rect.y, style: .header, limit: rect.maxX) }
            x = grid.write(glyphs.displayable(segment.text), x: x, y: rect.y, style: segment.style, limit: rect.maxX)
        }
    }
}
