import MimicEngine
@testable import MimicTUI
import Testing

/// The curves at the end of a real Fashion-MNIST run, and the rules that choose their
/// y-range: the comparison the dashboard exists for must be readable at 80x24.
@Suite struct CurvesRangeTests {
    let unicode = DashboardRenderer(glyphs: .unicode)
    let ascii = DashboardRenderer(glyphs: .ascii)

    @Test(arguments: [(80, 24), (120, 40)])
    func endOfARealRun(width: Int, height: Int) {
        let state = FashionMNISTRun.state(width: width, height: height)
        Snapshot.check(unicode.render(state).text, named: "fashion-mnist-end-\(width)x\(height)")
        let text = ascii.render(state).text
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        Snapshot.check(text, named: "fashion-mnist-end-ascii-\(width)x\(height)")
    }
}

extension CurvesRangeTests {
    /// The final test values of the mentor and each student, per chart, at the end of the real run.
    func finals(_ state: DashboardState, _ quantity: CurvesPane.Quantity) -> [Double] {
        (state.run?.curves ?? []).compactMap { $0.test.last.map { quantity == .loss ? $0.loss : $0.accuracy } }
    }

    /// The complaint: every test loss on the bottom row. Whatever the range, the
    /// final test values that differ by more than one row of dots are on different rows;
    /// the robust range makes that row fine enough for the real run's results to part.
    @Test(arguments: [(80, 24), (120, 40)])
    func finalTestValuesLandOnDistinctRows(width: Int, height: Int) throws {
        let state = FashionMNISTRun.state(width: width, height: height)
        #expect(state.chart.yRange == .robust && state.chart.metric == .both, "the defaults")
        for (quantity, rect) in CurvesPane.layout(state.chart.metric, in: CurvesPane.chartsRect(state)) {
            let chart = CurvesPane.chart(state.run, state, quantity)
            let rows = LineChart.plot(in: rect).height
            let (low, high) = try #require(chart.yRange())
            let resolution = (high - low) / Double(rows * 4 - 1)
            let values = finals(state, quantity)
            #expect(values.count == 3)
            for (i, a) in values.enumerated() {
                let rowA = try #require(chart.dotRow(a, plotRows: rows), "\(quantity) \(a) is on the chart")
                for b in values.dropFirst(i + 1) where abs(a - b) > resolution {
                    #expect(rowA != chart.dotRow(b, plotRows: rows), "\(quantity): \(a) and \(b) share a row")
                }
            }
            // On this run: test losses 0.383, 0.394, 0.430; accuracies 86.53%, 86.20%, 84.81%.
            if quantity == .loss { #expect(resolution < 0.025, "loss resolution \(resolution)") }
            if quantity == .accuracy { #expect(resolution < 0.008, "accuracy resolution \(resolution)") }
            var full = chart
            full.scale = .full
            let (fullLow, fullHigh) = try #require(full.yRange())
            #expect(high - low < (fullHigh - fullLow) / 2, "\(quantity): the robust range is tighter than every value")
        }
    }

    /// The students' kd train loss (KL divergence times T²) is not the cross-entropy on
    /// true labels that the loss chart shows: it has charts of its own (`m`).
    @Test func theStudentsTrainLossHasItsOwnCharts() {
        var state = FashionMNISTRun.state(width: 80, height: 24)
        let loss = CurvesPane.chart(state.run, state, .loss)
        #expect(loss.series.count == 4, "the mentor's train curve and three test curves")
        #expect(loss.series.filter(\.dotted).count == 1)
        #expect(loss.references.count == 1, "the mentor's final test loss")
        let mimic = CurvesPane.chart(state.run, state, .mimicLoss)
        #expect(mimic.series.count == 2 && mimic.title == "kd train loss (T=4)")
        #expect(mimic.series[0].points.first!.y > 3, "a kd loss starts at T² times a KL divergence")
        #expect(mimic.references.isEmpty)
        _ = DashboardReducer.reduce(&state, .key(.character("m")))
        _ = DashboardReducer.reduce(&state, .key(.character("m")))
        _ = DashboardReducer.reduce(&state, .key(.character("m")))
        #expect(state.chart.metric == .mimic)
        let text = unicode.render(state).text
        #expect(text.contains("1 Curves · mimic · y robust") && text.contains("kd train loss (T=4)")
                && text.contains("agreement with mentor"))
        #expect(text.contains("│ s1 cnn-s s2 mlp-256") && !text.contains("mentor cnn-l s1"), "the legend names the students only")
        Snapshot.check(text, named: "fashion-mnist-mimic-80x24")
    }

    @Test func theMimicViewSaysWhatItWillShowBeforeAStudentTrains() {
        var state = Scene.state(width: 80, height: 24, events: 10)
        #expect(state.run?.curves.map(\.id.role) == [.mentor], "the mentor is training")
        for _ in 0..<3 { _ = DashboardReducer.reduce(&state, .key(.character("m"))) }
        let text = unicode.render(state).text
        #expect(text.contains("The students' training loss against the") && text.contains("once the first student trains"), "\(text)")
    }

    @Test func theStatusLinePointsToTheMimicViewWhenTheStudentsStart() {
        // The engine's own events of a real (synthetic) run, through the annotation.
        var state = Scene.idle()
        _ = DashboardReducer.reduce(&state, .key(.character(" ")))
        for event in RecordedRun.events {
            _ = DashboardReducer.reduce(&state, .engine(event))
            if case .annotated = event { break }
        }
        let status = state.status ?? ""
        #expect(status.hasPrefix("Mentor annotated ") && status.hasSuffix("; m shows the students' mimic loss."), "\(status)")
        let footer = DashboardRenderer(glyphs: .unicode).render(state).text.split(separator: "\n").last!
        #expect(footer.contains("m shows the students' mimic loss."), "whole at 80 columns: \(footer)")
    }

    @Test func theYKeyCyclesTheRangeAndTheTitleSaysWhichIsShown() {
        var state = FashionMNISTRun.state(width: 80, height: 24)
        var seen: [ChartSettings.YRange] = [state.chart.yRange]
        for _ in 0..<3 {
            _ = DashboardReducer.reduce(&state, .key(.character("y")))
            seen.append(state.chart.yRange)
        }
        #expect(seen == [.robust, .full, .end, .robust])
        #expect(ChartSettings.YRange.allCases.allSatisfy { $0.explanation.count <= 79 }, "whole in an 80-column footer")
        _ = DashboardReducer.reduce(&state, .key(.character("y")))
        #expect(state.status == "y full: every value drawn, first epochs included.")
        #expect(unicode.render(state).text.contains("1 Curves · loss+acc · y full"))
        Snapshot.check(unicode.render(state).text, named: "fashion-mnist-full-80x24")
        _ = DashboardReducer.reduce(&state, .key(.character("y")))
        #expect(state.status == "Last third: the end of the run zoomed, y fitted to it.")
        #expect(unicode.render(state).text.contains("1 Curves · loss+acc · last third"))
        Snapshot.check(unicode.render(state).text, named: "fashion-mnist-end-zoom-80x24")
        let chart = CurvesPane.chart(state.run, state, .loss)
        let (xLow, xHigh) = try! #require(chart.xRange())
        #expect(abs(xLow - 5.0 * 2 / 3) < 1e-9 && xHigh == 5, "epochs 3.33 to 5 of 5")
    }

    @Test func titleDropsTheXAxisAndSmoothingBeforeTheRange() {
        var chart = ChartSettings()
        chart.logLoss = true
        #expect(CurvesPane.title(chart, glyphs: .ascii) == "1 Curves - loss+acc - y robust - log - epochs - EMA 0.8")
        #expect(CurvesPane.title(chart, glyphs: .ascii, width: 50) == "1 Curves - loss+acc - y robust - log - epochs")
        #expect(CurvesPane.title(chart, glyphs: .ascii, width: 20) == "1 Curves - loss+acc - y robust - log")
    }
}
