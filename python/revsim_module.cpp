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

  py::class_<PyScenario>(m, "Scenario")
      .def_property_readonly("name", [](const PyScenario& s) { return s.scenario.name; })
      .def_property_readonly("source", [](const PyScenario& s) { return s.scenario.source; })
      .def_property_readonly("path", [](const PyScenario& s) { return s.path; })
      .def_property_readonly("sets", [](const PyScenario& s) { return s.sets; })
      .def_property_readonly("start_year", [](const PyScenario& s) { return s.scenario.start_year; })
      .def_property_readonly("start_month_in_year", [](const PyScenario& s) { return s.scenario.start_month_in_year; })
      .def_property_readonly("years", [](const PyScenario& s) { return s.scenario.years; })
      .def_property_readonly("threshold", [](const PyScenario& s) { return s.scenario.threshold; })
      .def_property_readonly("trials", [](const PyScenario& s) { return s.scenario.trials; })
      .def_property_readonly("seed", [](const PyScenario& s) { return s.scenario.seed; })
      .def_property_readonly("warnings", [](const PyScenario& s) { return s.scenario.warnings; })
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
      });

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
