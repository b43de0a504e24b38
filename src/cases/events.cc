#include "cases/events.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "attribution/index.h"
#include "cases/filing.h"
#include "core/secrets.h"

namespace vigie {

EventKey EventIdentity(const Event& event, std::string_view format) {
  std::string identity;
  for (const Target& target : event.targets) {
    identity += target.canonical;
    identity += '\n';
  }
  identity += '\0';
  identity += event.abuse_type;
  EventKey key;
  key.observed = event.observed.instant;
  key.fingerprint = Digest64(identity);
  if (!event.source_report_id.empty()) {
    // Ids are the sender's: scoped by format so that two kinds of sender numbering their
    // reports from 1 do not collide.
    std::string source(format);
    source += '\0';
    source += event.source_report_id;
    key.source_key = Digest64(source);
  }
  return key;
}

std::vector<Attribution> AttributeEvents(const AttributionIndex* index,
                                         std::span<const Event> events,
                                         std::vector<std::string>& subjects) {
  // Every target of every event, attributed; IPs in one batch, names one by one.
  std::vector<size_t> first_target(events.size() + 1, 0);
  for (size_t e = 0; e < events.size(); ++e) {
    first_target[e + 1] = first_target[e] + events[e].targets.size();
  }
  std::vector<Attribution> per_target(first_target.back());
  if (index != nullptr) {
    std::vector<IpQuery> queries;
    std::vector<size_t> positions;
    for (size_t e = 0; e < events.size(); ++e) {
      for (size_t t = 0; t < events[e].targets.size(); ++t) {
        const Target& target = events[e].targets[t];
        if (target.ip) {
          queries.push_back({*target.ip, events[e].observed.instant});
          positions.push_back(first_target[e] + t);
        } else {
          per_target[first_target[e] + t] = index->Resolve(target, events[e].observed.instant);
        }
      }
    }
    std::vector<Attribution> answers(queries.size());
    index->ResolveIps(queries, answers);
    for (size_t k = 0; k < positions.size(); ++k) {
      per_target[positions[k]] = std::move(answers[k]);
    }
  }

  // The same choice as CaseSubject, without copying the targets.
  std::vector<Attribution> chosen(events.size());
  subjects.assign(events.size(), std::string());
  for (size_t e = 0; e < events.size(); ++e) {
    std::span<const Attribution> mine(per_target.data() + first_target[e],
                                      events[e].targets.size());
    if (mine.empty()) continue;
    auto find = [&](AttributionResult wanted) -> size_t {
      for (size_t t = 0; t < mine.size(); ++t) {
        if (mine[t].result == wanted) return t;
      }
      return mine.size();
    };
    size_t pick = find(AttributionResult::kAttributed);
    if (pick < mine.size()) {
      subjects[e] = "service:" + mine[pick].service_id;
    } else {
      pick = find(AttributionResult::kAmbiguous);
      if (pick == mine.size()) pick = 0;
      subjects[e] = "target:" + events[e].targets[pick].canonical;
    }
    chosen[e] = mine[pick];
    bool all_not_ours = std::all_of(mine.begin(), mine.end(), [](const Attribution& a) {
      return a.result == AttributionResult::kNotOurs;
    });
    if (all_not_ours) chosen[e].result = AttributionResult::kNotOurs;
  }
  return chosen;
}

EventCounts FileEvents(Transaction& tx, int64_t mail_id, std::string_view format,
                       std::span<const Event> events, std::span<const Attribution> attributions,
                       std::span<const std::string> subjects, const CasePolicy& policy,
                       Instant now) {
  EventCounts counts;
  std::vector<EventKey> keys;
  keys.reserve(events.size());
  for (const Event& event : events) keys.push_back(EventIdentity(event, format));

  // Repeated within this batch: only the first counts.
  std::vector<bool> fresh(events.size(), true);
  {
    struct PairHash {
      size_t operator()(const std::pair<int64_t, int64_t>& key) const {
        return std::hash<int64_t>()(key.first * 1000003 + key.second);
      }
    };
    std::unordered_set<std::pair<int64_t, int64_t>, PairHash> seen_identity;
    std::unordered_set<int64_t> seen_source;
    seen_identity.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      bool repeated =
          !seen_identity.emplace(ToUnixSeconds(keys[i].observed), keys[i].fingerprint).second;
      if (keys[i].source_key != 0 && !seen_source.insert(keys[i].source_key).second) {
        repeated = true;
      }
      fresh[i] = !repeated;
    }
  }
  std::vector<bool> known = tx.KnownEvents(keys);

  // The new events of each (subject, type), in time order, so that cases split exactly where
  // reports filed one after another would split them.
  std::map<std::pair<std::string_view, std::string_view>, std::vector<size_t>> groups;
  std::vector<size_t> not_ours;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!fresh[i] || known[i]) {
      ++counts.duplicates;
      continue;
    }
    if (attributions[i].result == AttributionResult::kNotOurs) {
      not_ours.push_back(i);
    } else {
      groups[{subjects[i], events[i].abuse_type}].push_back(i);
    }
  }

  std::vector<NewEvent> rows;
  rows.reserve(events.size() - static_cast<size_t>(counts.duplicates));
  auto row = [&](size_t i, int64_t case_id) {
    rows.push_back(NewEvent{&events[i], keys[i], mail_id, case_id, format, &attributions[i]});
  };
  for (size_t i : not_ours) row(i, 0);

  struct Tally {
    int64_t count = 0;
    Instant first = Instant::max(), last = Instant::min();
  };
  std::map<int64_t, Tally> tallies;
  for (auto& [group, members] : groups) {
    std::stable_sort(members.begin(), members.end(), [&](size_t a, size_t b) {
      return events[a].observed.instant < events[b].observed.instant;
    });
    int64_t case_id = 0;
    Instant case_last{};
    for (size_t i : members) {
      Instant at = events[i].observed.instant;
      if (case_id == 0 || at - policy.aggregation_window > case_last) {
        std::string subject(group.first);
        std::string type(group.second);
        if (std::optional<Case> open =
                tx.FindOpenCase(subject, type, at - policy.aggregation_window)) {
          case_id = open->id;
          case_last = open->last_seen;
        } else {
          // Counted below, with the events actually stored.
          case_id = tx.InsertCase(NewCase(subject, type, &attributions[i], at, 0, now));
          case_last = at;
          ++counts.cases_opened;
        }
      }
      case_last = std::max(case_last, at);
      row(i, case_id);
    }
  }

  std::vector<bool> stored = tx.InsertEvents(rows);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!stored[r]) {
      ++counts.duplicates;  // another node stored it between our look and our write
      continue;
    }
    ++counts.stored;
    if (rows[r].case_id == 0) {
      ++counts.not_ours;
      continue;
    }
    Tally& tally = tallies[rows[r].case_id];
    Instant at = rows[r].event->observed.instant;
    ++tally.count;
    tally.first = std::min(tally.first, at);
    tally.last = std::max(tally.last, at);
  }
  for (const auto& [case_id, tally] : tallies) {
    tx.CountEventsInCase(case_id, tally.count, tally.first, tally.last, now);
  }
  return counts;
}

}  // namespace vigie
