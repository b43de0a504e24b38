#include "jobs/polling_loop.h"

#include <spdlog/spdlog.h>

namespace vigie {

PollingLoop::PollingLoop(std::string name, std::chrono::milliseconds interval,
                         std::function<void()> pass)
    : name_(std::move(name)), interval_(interval), pass_(std::move(pass)) {}

PollingLoop::~PollingLoop() {
  Stop();
}

void PollingLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PollingLoop::Poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_one();
}

void PollingLoop::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PollingLoop::Run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, interval_, [this] { return stopping_.load() || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    try {
      pass_();
    } catch (const std::exception& error) {
      spdlog::error("event={}_failed error=\"{}\"", name_, error.what());
    }
  }
}

}  // namespace vigie
