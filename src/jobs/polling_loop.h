// A background thread that runs one pass of a job every interval, or at once when poked, until
// it is stopped. The jobs (mail delivery, abuse mail reading) own one each.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace vigie {

class PollingLoop {
 public:
  // `pass` runs on the loop's thread; an exception from it is logged as event=`name`_failed
  // and the loop goes on.
  PollingLoop(std::string name, std::chrono::milliseconds interval, std::function<void()> pass);
  ~PollingLoop();  // Stop()

  void Start();
  // Runs a pass as soon as the current one, if any, is done.
  void Poke();
  // Waits for the current pass to end; no pass starts after.
  void Stop();
  // True once Stop() was called: a long pass checks it between units of work.
  bool stopping() const { return stopping_.load(); }

 private:
  void Run();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> pass_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace vigie
