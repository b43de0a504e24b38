#include "cases/report_writer.h"

#include <future>
#include <map>
#include <set>
#include <utility>

#include "attribution/index.h"
#include "cases/filing.h"
#include "core/secrets.h"
#include "store/store.h"

namespace vigie {
namespace {

// Upper bound of reports in one transaction: large enough to amortise the fsync, small enough
// to keep the latency of the first report in the batch low.
constexpr size_t kMaxBatch = 512;

}  // namespace

std::string StatusToken(std::string_view status_key, std::string_view reference) {
  return HmacSha256(status_key, "status:" + std::string(reference));
}

ReportWriter::ReportWriter(Store& store, const IndexHolder& index, CasePolicy policy,
                           std::string status_key)
    : store_(store),
      index_(index),
      policy_(policy),
      status_key_(std::move(status_key)),
      thread_([this] { Run(); }) {}

ReportWriter::~ReportWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ReportWriter::Submit(ReportDraft draft, std::string idempotency_key, Callback done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Pending{std::move(draft), std::move(idempotency_key), std::move(done)});
  }
  wake_.notify_one();
}

Result<FiledReport> ReportWriter::SubmitAndWait(ReportDraft draft, std::string idempotency_key) {
  std::promise<Result<FiledReport>> promise;
  auto future = promise.get_future();
  Submit(std::move(draft), std::move(idempotency_key),
         [&promise](Result<FiledReport> result) { promise.set_value(std::move(result)); });
  return future.get();
}

void ReportWriter::Run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    WriteBatch(batch);
  }
}

void ReportWriter::WriteBatch(std::deque<Pending>& batch) {
  std::shared_ptr<const AttributionIndex> index = index_.Get();
  Instant now = Now();

  // Everything that does not need the database is prepared before the transaction opens.
  struct Prepared {
    FiledReport filed;
    NewReport row;
    std::optional<Result<FiledReport>> early;  // answered without writing (replay, conflict)
  };
  std::vector<Prepared> prepared(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending& pending = batch[i];
    Prepared& p = prepared[i];
    p.filed.reference = NewReference();
    p.filed.status_token = StatusToken(status_key_, p.filed.reference);
    p.row.reference = p.filed.reference;
    p.row.status_token_hash = Sha256Hex(p.filed.status_token);
    p.row.idempotency_key = pending.idempotency_key;
    p.row.received_at = now;
    p.row.draft = &pending.draft;
    p.row.raw_sha256 = Sha256Hex(pending.draft.raw);
  }
  std::vector<const ReportDraft*> drafts;
  drafts.reserve(batch.size());
  for (const Pending& pending : batch) drafts.push_back(&pending.draft);
  std::vector<std::vector<StoredTarget>> attributed = AttributeTargets(index.get(), drafts);
  for (size_t i = 0; i < batch.size(); ++i) prepared[i].row.targets = std::move(attributed[i]);

  // Each report locks its case's (subject, type) until the batch commits (see FindOpenCase).
  // Two nodes whose batches share subjects would deadlock if each took them in arrival order;
  // taking them first in one sorted order makes the second batch wait for the first instead.
  std::set<std::pair<std::string, std::string>> subjects;
  for (const Prepared& p : prepared) {
    const Attribution* ignored = nullptr;
    subjects.emplace(CaseSubject(p.row.targets, &ignored), p.row.draft->abuse_type);
  }

  Status status = store_.Write([&](Transaction& tx) {
    if (subjects.size() > 1) {
      for (const auto& [subject, abuse_type] : subjects) {
        tx.FindOpenCase(subject, abuse_type, now - policy_.aggregation_window);
      }
    }
    std::map<std::string, size_t> keys_in_batch;
    for (size_t i = 0; i < batch.size(); ++i) {
      Prepared& p = prepared[i];
      p.early.reset();
      const std::string& key = p.row.idempotency_key;
      if (!key.empty()) {
        // A retry of a stored submission gets the stored answer; a different submission under
        // the same key is refused.
        std::optional<StoredReport> earlier = tx.FindReportByIdempotencyKey(key);
        auto in_batch = keys_in_batch.find(key);
        const std::string* earlier_sha = nullptr;
        std::string earlier_reference;
        int64_t earlier_case = 0;
        if (earlier) {
          earlier_sha = &earlier->raw_sha256;
          earlier_reference = earlier->reference;
          earlier_case = earlier->case_id;
        } else if (in_batch != keys_in_batch.end()) {
          earlier_sha = &prepared[in_batch->second].row.raw_sha256;
          earlier_reference = prepared[in_batch->second].filed.reference;
          earlier_case = prepared[in_batch->second].filed.case_id;
        }
        if (earlier_sha) {
          if (*earlier_sha != p.row.raw_sha256) {
            p.early = Result<FiledReport>(
                Error{"idempotency_conflict", "this Idempotency-Key was used for another report"});
          } else {
            p.early = Result<FiledReport>(FiledReport{earlier_reference,
                                                      StatusToken(status_key_, earlier_reference),
                                                      earlier_case, true});
          }
          continue;
        }
        keys_in_batch[key] = i;
      }
      p.filed.case_id = FileReport(tx, p.row, policy_, now);
    }
  });

  for (size_t i = 0; i < batch.size(); ++i) {
    Prepared& p = prepared[i];
    if (!status.ok()) {
      batch[i].done(status.error());
    } else if (p.early) {
      batch[i].done(std::move(*p.early));
    } else {
      batch[i].done(std::move(p.filed));
    }
  }
}

}  // namespace vigie
