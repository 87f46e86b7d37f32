// revsim._core: the library seen from Python (pybind11). Thin on purpose: run, compare, sweep,
// sensitivity and backtest build a Study and call run_study, as the command line's subcommands
// do (issue 15: one Study API, two faces), and results cross the boundary as the command line's
// JSON text (so both agree byte for byte) plus the per-trial arrays, which numpy views without a
// copy. The pandas tables are built in revsim/__init__.py.
#include "revsim/backtest.hpp"
#include "revsim/calibrate.hpp"
#include "revsim/compare.hpp"
#include "revsim/deals_csv.hpp"
#include "revsim/engine.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/sobol.hpp"
#include "revsim/study.hpp"
#include "revsim/sweep.hpp"

#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace py = pybind11;

namespace {

/// A loaded scenario with where it came from: sensitivity and Sobol reload it by path.
struct PyScenario {
  revsim::Scenario scenario;
  std::string path;  ///< empty when it came from text
  std::vector<std::string> sets;
};

revsim::RunOptions run_options(std::uint64_t trials, std::optional<std::uint64_t> seed, int threads) {
  revsim::RunOptions o;
  o.trials = trials;
  if (seed) {
    o.seed = *seed;
    o.seed_set = true;
  }
  o.threads = threads;
  return o;
}

/// Run `work` on a worker thread with the GIL released; the calling thread wakes every 50 ms to
/// let Python handle signals, and on Ctrl-C asks the run to stop (its RunMonitor), waits for
/// it and raises KeyboardInterrupt. Exceptions of the worker are rethrown here.
template <class F>
void run_interruptibly(revsim::RunMonitor& monitor, F&& work) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      work();
    } catch (...) {
      error = std::current_exception();
    }
    const std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_all();
  });
  for (;;) {
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; });
      if (done) break;
    }
    if (PyErr_CheckSignals() != 0) {  // KeyboardInterrupt (or another handler's exception) is set
      monitor.request_stop();
      {
        py::gil_scoped_release release;
        worker.join();
      }
      throw py::error_already_set();
    }
  }
  worker.join();
  if (error) std::rethrow_exception(error);
}

/// A vector handed to numpy without a copy: the array owns it through a capsule.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(T);
  for (std::size_t k = shape.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= shape[k];
  }
  return py::array_t<T>(shape, strides, owner->data(), free_owner);
}

std::string json_text(const nlohmann::ordered_json& j) { return j.dump(2) + '\n'; }

/// A run's kept samples as numpy arrays on its own memory (no copy) in `d`.
void add_samples(py::dict& d, revsim::RunOutput&& out) {
  const auto n = static_cast<py::ssize_t>(out.fail_month.size());
  const auto y = static_cast<py::ssize_t>(out.results.years.size());
  const auto i = static_cast<py::ssize_t>(out.input_names.size());
  d["totals"] = to_numpy(std::move(out.totals), {n, y});
  d["revenue"] = to_numpy(std::move(out.revenue), {n, y, static_cast<py::ssize_t>(revsim::kChannels)});
  d["listing"] = to_numpy(std::move(out.listing), {n});
  d["fail_month"] = to_numpy(std::move(out.fail_month), {n});
  d["cash"] = to_numpy(std::move(out.cash), {n, y});
  d["inputs"] = to_numpy(std::move(out.inputs), {n, i});
  d["input_names"] = out.input_names;
}

/// run_study's sink from Python: nothing to show (no progress line in a notebook), nothing to
/// say (the Python API takes no precision target, the one source of notes); it is the runs'
/// monitor, which run_interruptibly stops on Ctrl-C.
class QuietSink final : public revsim::ProgressSink {
 public:
  void begin(std::uint64_t) override {}
  void end() override {}
  void note(const std::string&) override {}
};

/// A study of `kind` over `scenarios` with the command line's run options.
revsim::Study make_study(revsim::AnalysisKind kind, const std::vector<const PyScenario*>& scenarios,
                         std::uint64_t trials, std::optional<std::uint64_t> seed, int threads) {
  revsim::Study st;
  st.kind = kind;
  for (const PyScenario* s : scenarios) st.scenarios.push_back(s->scenario);
  st.options = run_options(trials, seed, threads);
  return st;
}

/// run_study with the GIL released; Ctrl-C stops it (KeyboardInterrupt).
revsim::StudyResult study(const revsim::Study& st) {
  QuietSink sink;
  revsim::StudyResult out;
  run_interruptibly(sink, [&] { out = revsim::run_study(st, &sink); });
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "revsim's library (use the `revsim` package, not this module)";
  m.attr("__version__") = REVSIM_VERSION;

  // ScenarioError -> revsim.ScenarioError (a ValueError) with file, line, column and path.
  static py::exception<revsim::ScenarioError> scenario_error(m, "ScenarioError", PyExc_ValueError);
  scenario_error.attr("__doc__") =
      "A scenario the loader refuses (revsim.load, revsim.loads, an override in set= or a sweep's grid).\n\n"
      "A ValueError whose message is the command line's, 'file:line:column: key.path: what is wrong'.\n"
      "Its parts:\n"
      "  file    the scenario file (loads: its name=, default '<string>', a dict '<dict>')\n"
      "  line    1-based line of the offending value (0 when unknown)\n"
      "  column  1-based column of it (0 when unknown)\n"
      "  path    the key as set= names it, e.g. 'company.cash' (empty when none applies)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const revsim::ScenarioError& e) {
      py::object cls = scenario_error;
      py::object inst = cls(e.what());
      inst.attr("file") = e.file();
      inst.attr("line") = e.line();
      inst.attr("column") = e.column();
      inst.attr("path") = e.path();
      PyErr_SetObject(cls.ptr(), inst.ptr());
    } catch (const revsim::RunCancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  py::class_<PyScenario>(m, "Scenario",
                         "A loaded, validated scenario (read-only): what revsim.load(path, set=...) and\n"
                         "revsim.loads(text_or_dict, set=...) return, and what run, compare, sweep,\n"
                         "sensitivity and backtest take. Its settings as run: name, source, path, sets,\n"
                         "start_year, start_month_in_year, years, threshold, trials, seed; warnings; and\n"
                         "parameters(), the numeric keys the tornado varies.")
      .def_property_readonly("name", [](const PyScenario& s) { return s.scenario.name; },
                             "The scenario's name (the results' 'scenario').")
      .def_property_readonly("source", [](const PyScenario& s) { return s.scenario.source; },
                             "The file name its messages use (loads: name=, default '<string>').")
      .def_property_readonly("path", [](const PyScenario& s) { return s.path; },
                             "The file it was loaded from; empty from revsim.loads.")
      .def_property_readonly("sets", [](const PyScenario& s) { return s.sets; },
                             "The overrides (set=), as 'KEY=VALUE' strings.")
      .def_property_readonly("start_year", [](const PyScenario& s) { return s.scenario.start_year; },
                             "The first fiscal year.")
      .def_property_readonly("start_month_in_year", [](const PyScenario& s) { return s.scenario.start_month_in_year; },
                             "The calendar month (1-12) of month 0 in start_year.")
      .def_property_readonly("years", [](const PyScenario& s) { return s.scenario.years; },
                             "The horizon in fiscal years (start_year .. start_year + years - 1).")
      .def_property_readonly("threshold", [](const PyScenario& s) { return s.scenario.threshold; },
                             "The revenue threshold (M RMB) of P(>= threshold) and the first crossing.")
      .def_property_readonly("trials", [](const PyScenario& s) { return s.scenario.trials; },
                             "The trials a run takes when given none.")
      .def_property_readonly("seed", [](const PyScenario& s) { return s.scenario.seed; },
                             "The seed a run takes when given none.")
      .def_property_readonly("warnings", [](const PyScenario& s) { return s.scenario.warnings; },
                             "The plausibility warnings (the command line's 'warning:' lines), as strings.")
      .def("__repr__",
           [](const PyScenario& s) {
             const revsim::Scenario& c = s.scenario;
             std::string r = "<revsim.Scenario " + py::repr(py::str(c.name)).cast<std::string>() + " from " +
                             (s.path.empty() ? c.source : s.path);
             if (!s.sets.empty()) {
               r += " (set";
               for (std::size_t k = 0; k < s.sets.size(); ++k) r += (k ? ", " : " ") + s.sets[k];
               r += ")";
             }
             r += ": " + std::to_string(c.start_year) + "-" + std::to_string(c.start_year + c.years - 1) +
                  ", seed " + std::to_string(c.seed) + ", " + std::to_string(c.trials) + " trials>";
             return r;
           })
      .def("parameters", [](const PyScenario& s) {
        py::list out;
        for (const revsim::Parameter& p : revsim::list_parameters(s.scenario)) {
          py::dict d;
          d["path"] = p.path;
          d["per_trial"] = p.per_trial;
          d["min"] = p.range.lo;
          d["max"] = p.range.hi;
          out.append(d);
        }
        return out;
      },
      "One dict per numeric parameter the tornado varies, in file order: path (the key as set= names\n"
      "it), per_trial (drawn once per trial), min and max (the key's valid range; +-1e12 where\n"
      "unbounded).");

  m.def(
      "load",
      [](const std::string& path, const std::vector<std::string>& sets) {
        return PyScenario{revsim::load_scenario(path, sets), path, sets};
      },
      py::arg("path"), py::arg("sets") = std::vector<std::string>{});
  m.def(
      "loads",
      [](const std::string& text, const std::string& name, const std::vector<std::string>& sets) {
        return PyScenario{revsim::parse_scenario(text, name, sets), "", sets};
      },
      py::arg("text"), py::arg("name") = "<string>", py::arg("sets") = std::vector<std::string>{});

  // One run: the command line's JSON, and with keep_samples the per-trial arrays.
  m.def(
      "run",
      [](const PyScenario& s, std::uint64_t trials, std::optional<std::uint64_t> seed, int threads, bool keep_samples) {
        revsim::Study st = make_study(revsim::AnalysisKind::run, {&s}, trials, seed, threads);
        st.keep_samples = keep_samples;
        auto run = std::get<revsim::RunStudy>(study(st));
        std::ostringstream json;
        revsim::write_json(json, run.results);
        py::dict d;
        d["json"] = json.str();
        if (run.samples) add_samples(d, std::move(*run.samples));
        return d;
      },
      py::arg("scenario"), py::arg("trials") = 0, py::arg("seed") = std::nullopt, py::arg("threads") = 0,
      py::arg("keep_samples") = false);

  m.def(
      "compare",
      [](const std::vector<const PyScenario*>& scenarios, std::uint64_t trials, std::optional<std::uint64_t> seed,
         int threads) {
        const revsim::Study st = make_study(revsim::AnalysisKind::compare, scenarios, trials, seed, threads);
        return json_text(revsim::to_json(std::get<revsim::Comparison>(study(st))));
      },
      py::arg("scenarios"), py::arg("trials") = 0, py::arg("seed") = std::nullopt, py::arg("threads") = 0);

  // compare keeping every trial of every scenario (compare --samples): the JSON text, and per
  // scenario the arrays run(keep_samples=True) gives.
  m.def(
      "compare_samples",
      [](const std::vector<const PyScenario*>& scenarios, std::uint64_t trials, std::optional<std::uint64_t> seed,
         int threads) {
        revsim::Study st = make_study(revsim::AnalysisKind::compare, scenarios, trials, seed, threads);
        st.keep_samples = true;
        auto c = std::get<revsim::ComparisonSamples>(study(st));
        py::dict d;
        d["json"] = json_text(revsim::to_json(c.comparison));
        py::list runs;
        for (revsim::RunOutput& r : c.runs) {
          py::dict one;
          one["scenario"] = r.results.scenario;
          add_samples(one, std::move(r));
          runs.append(one);
        }
        d["runs"] = runs;
        return d;
      },
      py::arg("scenarios"), py::arg("trials") = 0, py::arg("seed") = std::nullopt, py::arg("threads") = 0);

  m.def(
      "sensitivity",
      [](const PyScenario& s, const std::string& stat, std::optional<int> year, bool spider, bool sobol, int bootstrap,
         double level, std::uint64_t trials, std::optional<std::uint64_t> seed, int threads) {
        if (s.path.empty())
          throw std::invalid_argument("sensitivity needs a scenario loaded from a file (revsim.load), not from text");
        revsim::Study st = make_study(sobol ? revsim::AnalysisKind::sobol : revsim::AnalysisKind::sensitivity, {&s},
                                      trials, seed, threads);
        st.file = s.path;
        st.sets = s.sets;
        st.stat = stat;
        st.year = year;
        st.spider = spider;
        st.bootstrap = bootstrap;
        st.level = level;
        const revsim::StudyResult out = study(st);
        if (sobol) return json_text(revsim::to_json(std::get<revsim::Sobol>(out)));
        return json_text(revsim::to_json(std::get<revsim::Sensitivity>(out)));
      },
      py::arg("scenario"), py::arg("stat"), py::arg("year"), py::arg("spider"), py::arg("sobol"),
      py::arg("bootstrap"), py::arg("level"), py::arg("trials") = 0, py::arg("seed") = std::nullopt,
      py::arg("threads") = 0);

  // A grid the package has loaded point by point (revsim.sweep): each point's run JSON, in order.
  m.def(
      "sweep",
      [](const std::vector<const PyScenario*>& points, const std::vector<std::string>& keys,
         const std::vector<std::vector<std::string>>& values, std::uint64_t trials, std::optional<std::uint64_t> seed,
         int threads) {
        if (points.empty() || values.size() != points.size())
          throw std::invalid_argument("sweep: expected one list of values per point");
        revsim::SweepPlan plan;
        for (const std::string& k : keys) plan.axes.push_back(revsim::GridAxis{k, k, {}});
        plan.values = values;
        for (const PyScenario* p : points) {
          plan.sets.push_back(p->sets);
          plan.scenarios.push_back(p->scenario);
        }
        revsim::Study st = make_study(revsim::AnalysisKind::sweep, {}, trials, seed, threads);
        st.plan = &plan;
        std::vector<std::string> out;
        st.on_point = [&out](const revsim::SweepPoint& p) {
          std::ostringstream json;
          revsim::write_json(json, p.results);
          out.push_back(json.str());
        };
        (void)study(st);
        return out;
      },
      py::arg("points"), py::arg("keys"), py::arg("values"), py::arg("trials") = 0, py::arg("seed") = std::nullopt,
      py::arg("threads") = 0);

  m.def(
      "backtest",
      [](const std::vector<const PyScenario*>& scenarios, std::uint64_t trials, std::optional<std::uint64_t> seed,
         int threads) {
        const revsim::Study st = make_study(revsim::AnalysisKind::backtest, scenarios, trials, seed, threads);
        return json_text(revsim::to_json(std::get<revsim::Backtest>(study(st))));
      },
      py::arg("scenarios"), py::arg("trials") = 0, py::arg("seed") = std::nullopt, py::arg("threads") = 0);

  m.def(
      "calibrate",
      [](const std::string& deals_path, std::optional<std::string> as_of, const std::string& prior, int years,
         bool fragment) {
        revsim::CalibrateOptions opt;
        if (as_of) {
          opt.as_of = revsim::parse_date(*as_of);
          if (!opt.as_of) throw std::invalid_argument("as_of: '" + *as_of + "' is not a date (expected YYYY-MM-DD)");
        }
        if (prior == "eb") opt.prior = revsim::Prior::empirical_bayes;
        else if (prior == "jeffreys") opt.prior = revsim::Prior::jeffreys;
        else if (prior == "hierarchical") opt.prior = revsim::Prior::hierarchical;
        else throw std::invalid_argument("prior: expected hierarchical, eb or jeffreys, not '" + prior + "'");
        if (years < 1) throw std::invalid_argument("years: expected at least 1");
        opt.years = years;
        opt.fragment = fragment;
        const revsim::DealTable deals = revsim::read_deals(deals_path, opt.as_of);
        const revsim::Calibration c = revsim::calibrate(deals, opt);
        return py::make_tuple(c.yaml, revsim::to_json(c).dump(2) + '\n');
      },
      py::arg("deals"), py::arg("as_of") = std::nullopt, py::arg("prior") = "hierarchical", py::arg("years") = 5,
      py::arg("fragment") = false);
}
