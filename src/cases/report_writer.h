// Files validated reports: attributes each target at the abuse instant, joins or opens the
// case, queues the acknowledgement, and makes it durable. Reports handed in by many threads at
// once are committed together (group commit): one transaction and one fsync for the batch, and
// each submitter is answered only after its report is on disk.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/report.h"
#include "core/result.h"

namespace vigie {

class AttributionIndex;
class Store;

// The live attribution index, swapped whole when the inventory changes.
class IndexHolder {
 public:
  std::shared_ptr<const AttributionIndex> Get() const { return index_.load(); }
  void Set(std::shared_ptr<const AttributionIndex> index) { index_.store(std::move(index)); }

 private:
  std::atomic<std::shared_ptr<const AttributionIndex>> index_;
};

struct CasePolicy {
  // Reports about the same subject and type join an open case whose last report is at most
  // this old (by abuse instant).
  std::chrono::seconds aggregation_window{std::chrono::hours(72)};
};

// What a submitter gets back once its report is stored.
struct FiledReport {
  std::string reference;
  std::string status_token;  // the reporter's private key to the status page (StatusToken)
  int64_t case_id = 0;
  bool replayed = false;  // an earlier report with the same idempotency key was returned
};

// The private token that opens a report's status page: an HMAC of the reference under the
// desk's status key, so the acknowledgement mail can repeat it without storing it in clear.
std::string StatusToken(std::string_view status_key, std::string_view reference);

class ReportWriter {
 public:
  using Callback = std::function<void(Result<FiledReport>)>;

  ReportWriter(Store& store, const IndexHolder& index, CasePolicy policy, std::string status_key);
  ~ReportWriter();  // stops after the queued reports are written

  // Queues `draft` and calls `done` (from the writer thread) once it is durable, or with an
  // error: "database" when the store failed (nothing was written: the caller must not
  // acknowledge), "idempotency_conflict" when the key was used for a different submission.
  // Thread-safe.
  void Submit(ReportDraft draft, std::string idempotency_key, Callback done);

  // Blocking convenience for commands and tests.
  Result<FiledReport> SubmitAndWait(ReportDraft draft, std::string idempotency_key = "");

 private:
  struct Pending {
    ReportDraft draft;
    std::string idempotency_key;
    Callback done;
  };
  void Run();
  void WriteBatch(std::deque<Pending>& batch);

  Store& store_;
  const IndexHolder& index_;
  CasePolicy policy_;
  std::string status_key_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigie
