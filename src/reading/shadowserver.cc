// Shadowserver CSV reports: one event per row. The reports come as a CSV attachment, usually
// zipped (the MIME walker unpacks the archive into entities), and the report's name, which says
// what kind of abuse the rows are, comes from the file name or the subject.
//
// The bulk feeds carry hundreds of thousands of rows, so the row loop avoids per-cell strings:
// cells are views into the input (a cell with doubled quotes is unescaped into one scratch
// buffer per row), the address is parsed in place, and a timestamp equal to the previous row's
// reuses its parsed value.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>

#include "core/target.h"
#include "core/text.h"
#include "reading/formats.h"

namespace vigie::reading {
namespace {

// What each report is about. Sorted by nothing in particular: lookups are by name, a few dozen
// comparisons for a report, once per mail. docs/shadowserver.md is this table for operators;
// keep them together.
//
// Choices worth a line: open or vulnerable services are `security_flaw` (the host is not
// abusing anyone yet, it can be made to); sinkhole and honeypot sightings of infected hosts are
// `botnet`; a host seen launching DDoS is `dos`; the victims of amplification attacks are
// `victims` (they open no case against the victim); no report maps to `open_relay`, because an
// accessible SMTP server is not shown to relay; open proxies are `security_flaw` for the same
// reason.
constexpr std::array kReports = {
    // Accessible or vulnerable services.
    ShadowserverReport{"scan_adb", "security_flaw"},
    ShadowserverReport{"scan_afp", "security_flaw"},
    ShadowserverReport{"scan_amqp", "security_flaw"},
    ShadowserverReport{"scan_ard", "security_flaw"},
    ShadowserverReport{"scan_bgp", "security_flaw"},
    ShadowserverReport{"scan_chargen", "security_flaw"},
    ShadowserverReport{"scan_coap", "security_flaw"},
    ShadowserverReport{"scan_couchdb", "security_flaw"},
    ShadowserverReport{"scan_cwmp", "security_flaw"},
    ShadowserverReport{"scan_db2", "security_flaw"},
    ShadowserverReport{"scan_ddos_middlebox", "security_flaw"},
    ShadowserverReport{"scan_dns", "security_flaw"},
    ShadowserverReport{"dns_openresolver", "security_flaw"},
    ShadowserverReport{"scan_dvr_dhcpdiscover", "security_flaw"},
    ShadowserverReport{"scan_elasticsearch", "security_flaw"},
    ShadowserverReport{"scan_exchange", "security_flaw"},
    ShadowserverReport{"scan_ftp", "security_flaw"},
    ShadowserverReport{"scan_hadoop", "security_flaw"},
    ShadowserverReport{"scan_http", "security_flaw"},
    ShadowserverReport{"scan_http_proxy", "security_flaw"},
    ShadowserverReport{"scan_http_vulnerable", "security_flaw"},
    ShadowserverReport{"scan_ics", "security_flaw"},
    ShadowserverReport{"scan_ipmi", "security_flaw"},
    ShadowserverReport{"scan_ipp", "security_flaw"},
    ShadowserverReport{"scan_isakmp", "security_flaw"},
    ShadowserverReport{"scan_kubernetes", "security_flaw"},
    ShadowserverReport{"scan_ldap", "security_flaw"},
    ShadowserverReport{"scan_ldap_tcp", "security_flaw"},
    ShadowserverReport{"scan_ldap_udp", "security_flaw"},
    ShadowserverReport{"scan_mdns", "security_flaw"},
    ShadowserverReport{"scan_memcached", "security_flaw"},
    ShadowserverReport{"scan_mongodb", "security_flaw"},
    ShadowserverReport{"scan_mqtt", "security_flaw"},
    ShadowserverReport{"scan_mqtt_anon", "security_flaw"},
    ShadowserverReport{"scan_mssql", "security_flaw"},
    ShadowserverReport{"scan_mysql", "security_flaw"},
    ShadowserverReport{"scan_nat_pmp", "security_flaw"},
    ShadowserverReport{"scan_netbios", "security_flaw"},
    ShadowserverReport{"scan_netis_router", "security_flaw"},
    ShadowserverReport{"scan_ntp", "security_flaw"},
    ShadowserverReport{"scan_ntpmonitor", "security_flaw"},
    ShadowserverReport{"scan_portmapper", "security_flaw"},
    ShadowserverReport{"scan_postgres", "security_flaw"},
    ShadowserverReport{"scan_qotd", "security_flaw"},
    ShadowserverReport{"scan_radmin", "security_flaw"},
    ShadowserverReport{"scan_rdp", "security_flaw"},
    ShadowserverReport{"scan_rdpeudp", "security_flaw"},
    ShadowserverReport{"scan_redis", "security_flaw"},
    ShadowserverReport{"scan_rsync", "security_flaw"},
    ShadowserverReport{"scan_sip", "security_flaw"},
    ShadowserverReport{"scan_slp", "security_flaw"},
    ShadowserverReport{"scan_smb", "security_flaw"},
    ShadowserverReport{"scan_smtp", "security_flaw"},
    ShadowserverReport{"scan_smtp_vulnerable", "security_flaw"},
    ShadowserverReport{"scan_snmp", "security_flaw"},
    ShadowserverReport{"scan_socks", "security_flaw"},
    ShadowserverReport{"scan_ssdp", "security_flaw"},
    ShadowserverReport{"scan_ssh", "security_flaw"},
    ShadowserverReport{"scan_ssl", "security_flaw"},
    ShadowserverReport{"scan_ssl_freak", "security_flaw"},
    ShadowserverReport{"scan_ssl_poodle", "security_flaw"},
    ShadowserverReport{"scan_stun", "security_flaw"},
    ShadowserverReport{"scan_telnet", "security_flaw"},
    ShadowserverReport{"scan_tftp", "security_flaw"},
    ShadowserverReport{"scan_ubiquiti", "security_flaw"},
    ShadowserverReport{"scan_vnc", "security_flaw"},
    ShadowserverReport{"scan_ws_discovery", "security_flaw"},
    ShadowserverReport{"scan_xdmcp", "security_flaw"},
    ShadowserverReport{"ssl_scan", "security_flaw"},
    ShadowserverReport{"ntp_monitor", "security_flaw"},
    ShadowserverReport{"event4_ip_spoofer", "security_flaw"},
    // The same, under the names of the abuseio sample files.
    ShadowserverReport{"open_chargen", "security_flaw"},
    ShadowserverReport{"open_memcached", "security_flaw"},
    ShadowserverReport{"open_microsoft_sql", "security_flaw"},
    ShadowserverReport{"open_mongo_db", "security_flaw"},
    ShadowserverReport{"open_natpmp", "security_flaw"},
    ShadowserverReport{"open_netbios", "security_flaw"},
    ShadowserverReport{"open_proxy", "security_flaw"},
    ShadowserverReport{"open_redis", "security_flaw"},
    ShadowserverReport{"open_resolvers", "security_flaw"},
    ShadowserverReport{"open_snmp", "security_flaw"},
    ShadowserverReport{"open_ssdp", "security_flaw"},
    // A router implant is installed malware, not a flaw waiting to be used.
    ShadowserverReport{"scan_synfulknock", "malware"},

    // Infected hosts seen by sinkholes, honeypots and darknets.
    ShadowserverReport{"botnet_drone", "botnet"},
    ShadowserverReport{"botnet_drone_hadoop", "botnet"},
    ShadowserverReport{"sinkhole_http_drone", "botnet"},
    ShadowserverReport{"microsoft_sinkhole", "botnet"},
    ShadowserverReport{"event4_sinkhole", "botnet"},
    ShadowserverReport{"event6_sinkhole", "botnet"},
    ShadowserverReport{"event4_sinkhole_dns", "botnet"},
    ShadowserverReport{"event4_sinkhole_http", "botnet"},
    ShadowserverReport{"event6_sinkhole_http", "botnet"},
    ShadowserverReport{"event4_microsoft_sinkhole_http", "botnet"},
    ShadowserverReport{"event6_microsoft_sinkhole_http", "botnet"},
    ShadowserverReport{"event4_honeypot_darknet", "botnet"},
    ShadowserverReport{"event6_honeypot_darknet", "botnet"},
    // Command and control servers and what they were seen ordering (2008-era IRC reports).
    ShadowserverReport{"cc_ip", "botnet"},
    ShadowserverReport{"botnet_cc", "botnet"},
    ShadowserverReport{"botnet_ccip", "botnet"},
    ShadowserverReport{"botnet_click_fraud", "botnet"},
    ShadowserverReport{"botnet_ddos", "botnet"},
    ShadowserverReport{"botnet_proxy", "botnet"},
    ShadowserverReport{"botnet_scan", "botnet"},
    ShadowserverReport{"sandbox_irc", "botnet"},

    // Hosts attacking others.
    ShadowserverReport{"event4_honeypot_brute_force", "bruteforce"},
    ShadowserverReport{"event6_honeypot_brute_force", "bruteforce"},
    ShadowserverReport{"event4_honeypot_http_scan", "bruteforce"},
    ShadowserverReport{"event6_honeypot_http_scan", "bruteforce"},
    ShadowserverReport{"event4_honeypot_ddos", "dos"},
    ShadowserverReport{"event6_honeypot_ddos", "dos"},
    ShadowserverReport{"event4_honeypot_ddos_amp", "dos", false, true},
    ShadowserverReport{"event6_honeypot_ddos_amp", "dos", false, true},
    ShadowserverReport{"event4_ddos_participant", "dos"},

    // Web sites: hacked, phishing, serving or contacted by malware, advertised by spam.
    ShadowserverReport{"compromised_website", "malware", true},
    ShadowserverReport{"comprimised_website", "malware", true},  // sic, the abuseio sample
    ShadowserverReport{"event4_sinkhole_http_referer", "malware"},
    ShadowserverReport{"event6_sinkhole_http_referer", "malware"},
    ShadowserverReport{"phish_url", "phishing", true},
    ShadowserverReport{"malware_url", "malware", true},
    ShadowserverReport{"botnet_url", "malware", true},
    ShadowserverReport{"honeypot_url", "malware", true},
    ShadowserverReport{"sandbox_url", "malware", true},
    ShadowserverReport{"sandbox_conn", "malware"},
    ShadowserverReport{"sandbox_dns", "malware"},
    ShadowserverReport{"spam_url", "spam_advertising", true},
    ShadowserverReport{"sandbox_smtp", "spam"},

    // Known, but with no type of their own: a person decides.
    ShadowserverReport{"blocklist", ""},
    ShadowserverReport{"irc_port", ""},
};

// The columns that hold the row's address, most specific first. The old IRC botnet reports
// name the controller "C&C" and the proxies "PXY"; the controller is what a hosting provider
// can act on.
constexpr std::array<std::string_view, 10> kAddressColumns = {
    "ip",  "src_ip",      "http_referer_ip", "ip address", "pxy",
    "c&c", "server_inet", "smtp_inet",       "source_ip",  "ip_address",
};
constexpr std::array<std::string_view, 3> kUrlColumns = {"url", "http_url", "uri"};
constexpr std::array<std::string_view, 3> kHostColumns = {"http_host", "host", "hostname"};

// ---------------------------------------------------------------------------------------------
// The CSV reader.

// Reads one record at a time. A quote inside an unquoted cell is kept as a character (one
// sample header starts `timestamp",...`); an unterminated quote runs to the end of the input.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  size_t line() const { return line_; }

  // Reads the next record into `cells`; views stay valid until the next call. Records past
  // kMaxCells cells keep only the first kMaxCells. Returns false at the end of the input.
  bool Next(std::vector<std::string_view>& cells) {
    cells.clear();
    if (AtEnd()) return false;
    ++line_;
    scratch_.clear();
    spans_.clear();
    const char* data = text_.data();
    const size_t size = text_.size();
    while (true) {
      Span span;
      if (pos_ < size && data[pos_] == '"') {
        // Quoted: up to the closing quote, doubled quotes standing for one. Only a cell with
        // doubled quotes is copied, into the row's scratch buffer.
        const size_t start = ++pos_;
        size_t segment = start;
        size_t end = size;
        bool escaped = false;
        while (true) {
          const void* hit = pos_ < size ? std::memchr(data + pos_, '"', size - pos_) : nullptr;
          if (hit == nullptr) {
            if (escaped) scratch_.append(data + segment, data + size);
            pos_ = size;
            break;
          }
          size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - data);
          if (quote + 1 < size && data[quote + 1] == '"') {
            if (!escaped) {
              escaped = true;
              span.in_scratch = true;
              span.offset = scratch_.size();
            }
            scratch_.append(data + segment, data + quote + 1);
            segment = pos_ = quote + 2;
            continue;
          }
          if (escaped) scratch_.append(data + segment, data + quote);
          end = quote;
          pos_ = quote + 1;
          break;
        }
        line_ += static_cast<size_t>(std::count(data + start, data + end, '\n'));
        if (escaped) {
          span.length = scratch_.size() - span.offset;
        } else {
          span.offset = start;
          span.length = end - start;
        }
        // Anything between the closing quote and the separator is kept out: `"a"b,` is "a".
        while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
          ++pos_;
        }
      } else {
        size_t start = pos_;
        while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
          ++pos_;
        }
        span.offset = start;
        span.length = pos_ - start;
      }
      if (spans_.size() < kMaxCells) spans_.push_back(span);

      if (pos_ >= size) break;
      char separator = data[pos_++];
      if (separator == ',') continue;
      if (separator == '\r' && pos_ < size && data[pos_] == '\n') ++pos_;
      break;
    }
    for (const Span& span : spans_) {
      cells.push_back(span.in_scratch ? std::string_view(scratch_).substr(span.offset, span.length)
                                      : text_.substr(span.offset, span.length));
    }
    return true;
  }

 private:
  static constexpr size_t kMaxCells = 4096;
  struct Span {
    size_t offset = 0;
    size_t length = 0;
    bool in_scratch = false;
  };

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 0;
  std::string scratch_;
  std::vector<Span> spans_;
};

bool IsBlankRecord(const std::vector<std::string_view>& cells) {
  return cells.size() == 1 && cells[0].empty();
}

// A header name as compared: lower case, without surrounding spaces and stray quotes.
std::string HeaderName(std::string_view cell) {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '"')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '"')) cell.remove_suffix(1);
  return AsciiLower(cell);
}

// Where the columns a row is read from sit in the header; -1 when absent.
struct Columns {
  int address = -1;
  int timestamp = -1;
  int date = -1;
  int time = -1;
  int url = -1;
  int host = -1;
  int protocol = -1;
  int port = -1;
  int tag = -1;
  int infection = -1;
  int type = -1;
  int size = 0;
};

template <size_t N>
int FirstOf(const std::vector<std::string>& names, const std::array<std::string_view, N>& wanted) {
  for (std::string_view want : wanted) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == want) return static_cast<int>(i);
    }
  }
  return -1;
}

Columns FindColumns(const std::vector<std::string_view>& header) {
  std::vector<std::string> names;
  names.reserve(header.size());
  for (std::string_view cell : header) names.push_back(HeaderName(cell));

  Columns columns;
  columns.size = static_cast<int>(names.size());
  columns.address = FirstOf(names, kAddressColumns);
  columns.timestamp = FirstOf(names, std::array<std::string_view, 1>{"timestamp"});
  columns.date = FirstOf(names, std::array<std::string_view, 1>{"date"});
  columns.time = FirstOf(names, std::array<std::string_view, 1>{"time"});
  columns.url = FirstOf(names, kUrlColumns);
  columns.host = FirstOf(names, kHostColumns);
  columns.protocol = FirstOf(names, std::array<std::string_view, 1>{"protocol"});
  columns.port = FirstOf(names, std::array<std::string_view, 3>{"port", "dst_port", "c&c port"});
  columns.tag = FirstOf(names, std::array<std::string_view, 3>{"tag", "category", "command"});
  columns.infection = FirstOf(names, std::array<std::string_view, 2>{"infection", "family"});
  columns.type = FirstOf(names, std::array<std::string_view, 1>{"type"});
  return columns;
}

std::string_view Cell(const std::vector<std::string_view>& cells, int index) {
  if (index < 0 || static_cast<size_t>(index) >= cells.size()) return {};
  std::string_view cell = cells[static_cast<size_t>(index)];
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  return cell;
}

// An address target from a cell. IPv4 in strict dotted form is its own canonical text, so the
// common case copies the cell instead of formatting the address again.
std::optional<Target> AddressTarget(std::string_view text) {
  std::optional<IpAddress> ip = IpAddress::Parse(text);
  if (!ip) return std::nullopt;
  Target target;
  target.kind = TargetKind::kIp;
  target.canonical =
      ip->is_v4() && text.find(':') == std::string_view::npos ? std::string(text) : ip->ToString();
  target.display = target.canonical;
  target.ip = ip;
  return target;
}

// The URL or host of a row of a report with url_targets: a full URL, a path completed with the
// row's host ("/header.php" on "example.com"), or the host alone.
std::optional<Target> UrlTarget(std::string_view url, std::string_view host) {
  if (!url.empty() && url.find("://") != std::string_view::npos) {
    Result<Target> parsed = ParseTarget(url);
    if (parsed.ok()) return *std::move(parsed);
  }
  if (!host.empty() && !url.empty() && url.front() == '/') {
    std::string joined = "http://";
    joined.append(host).append(url);
    Result<Target> parsed = ParseTarget(joined);
    if (parsed.ok()) return *std::move(parsed);
  }
  if (!host.empty()) {
    Result<Target> parsed = ParseTarget(host);
    if (parsed.ok() && parsed->kind == TargetKind::kDomain) return *std::move(parsed);
  }
  // A scheme vigie does not take as a target ("tftp://192.0.2.1:69/x.exe"): its IP host.
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    std::string_view authority = url.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    if (authority.find(':') != authority.rfind(':')) return AddressTarget(authority);
    return AddressTarget(authority.substr(0, authority.find(':')));
  }
  return std::nullopt;
}

std::string RowSummary(std::string_view report, const std::vector<std::string_view>& cells,
                       const Columns& columns) {
  std::string summary(report);
  std::string_view protocol = Cell(cells, columns.protocol);
  std::string_view port = Cell(cells, columns.port);
  if (!port.empty()) {
    summary.append(" port ").append(port);
    if (!protocol.empty()) summary.append("/").append(protocol);
  } else if (!protocol.empty()) {
    summary.append(" ").append(protocol);
  }
  for (int column : {columns.tag, columns.infection, columns.type}) {
    std::string_view value = Cell(cells, column);
    if (!value.empty() && value.size() <= 80) summary.append(" ").append(value);
  }
  // Most summaries are short printable ASCII already; only the others need ClampSummary's work.
  bool plain = summary.size() <= 200;
  for (size_t i = 0; plain && i < summary.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(summary[i]);
    plain = c > 0x20 && c < 0x7f ? true : c == ' ' && i > 0 && summary[i - 1] != ' ';
  }
  if (plain && !summary.empty() && summary.back() != ' ') return summary;
  return ClampSummary(summary);
}

void NoteSkip(FeedStats& stats, size_t line, std::string_view why) {
  if (++stats.skipped == 1)
    stats.first_skip = "line " + std::to_string(line) + ": " + std::string(why);
}

}  // namespace

const ShadowserverReport* FindShadowserverReport(std::string_view name) {
  std::string wanted = ShadowserverReportName(name);
  for (const ShadowserverReport& report : kReports) {
    if (report.name == wanted) return &report;
  }
  return nullptr;
}

std::string ShadowserverReportName(std::string_view text) {
  if (text.size() > 300) text = text.substr(0, 300);

  // In a subject, the name sits between "Shadowserver " and " Report".
  std::string lower = AsciiLower(text);
  if (size_t at = lower.find("shadowserver "); at != std::string::npos) {
    size_t start = at + 13;
    size_t end = lower.find(" report", start);
    lower = lower.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

  // A file name: no directory, no extensions, no leading date.
  if (size_t slash = lower.find_last_of("/\\"); slash != std::string::npos) {
    lower.erase(0, slash + 1);
  }
  for (std::string_view extension : {".zip", ".csv", ".gz", ".txt"}) {
    if (lower.ends_with(extension)) lower.resize(lower.size() - extension.size());
    if (lower.ends_with(".csv")) lower.resize(lower.size() - 4);
  }
  if (lower.size() > 11 && std::isdigit(static_cast<unsigned char>(lower[0])) && lower[4] == '-' &&
      lower[7] == '-' && lower[10] == '-') {
    lower.erase(0, 11);
  }

  // The name, then its qualifiers ("-sample", "-asn", "-ip"...): try the longest prefix the
  // table knows, with the sample files' hyphens read as underscores.
  std::string candidate = lower;
  while (!candidate.empty()) {
    std::string underscored = candidate;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    for (const ShadowserverReport& report : kReports) {
      if (report.name == underscored) return underscored;
    }
    size_t dash = candidate.rfind('-');
    if (dash == std::string::npos) break;
    candidate.resize(dash);
  }
  size_t dash = lower.find('-');
  std::string guess = lower.substr(0, dash);
  bool plain = !guess.empty() && std::all_of(guess.begin(), guess.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  return plain ? guess : "";
}

bool LooksLikeShadowserverCsv(std::string_view csv) {
  CsvReader reader(csv.substr(0, 64 * 1024));
  std::vector<std::string_view> header;
  if (!reader.Next(header) || header.size() < 2) return false;
  Columns columns = FindColumns(header);
  bool has_time = columns.timestamp >= 0 || (columns.date >= 0 && columns.time >= 0);
  return has_time && columns.address >= 0;
}

Status ParseShadowserverCsv(std::string_view csv, std::string_view report_name,
                            const FeedOptions& options, std::vector<Event>& out,
                            FeedStats* stats_out) {
  FeedStats local_stats;
  FeedStats& stats = stats_out != nullptr ? *stats_out : local_stats;
  const ShadowserverReport* report = FindShadowserverReport(report_name);
  std::string name = ShadowserverReportName(report_name);
  std::string abuse_type(report != nullptr ? report->abuse_type : "");
  bool url_targets = report != nullptr && report->url_targets;

  CsvReader reader(csv);
  std::vector<std::string_view> cells;
  cells.reserve(64);
  while (reader.Next(cells) && IsBlankRecord(cells)) {
  }
  if (cells.empty()) return Status::Ok();
  const Columns columns = FindColumns(cells);
  const bool no_time_column = columns.timestamp < 0 && (columns.date < 0 || columns.time < 0);
  // A line is about 100 to 300 bytes; reserving on that guess avoids most regrowth.
  out.reserve(out.size() + std::min(options.max_events, csv.size() / 96 + 1));

  std::string last_time_text;
  std::optional<ZonedInstant> last_time;
  bool have_last_time = false;
  std::string joined_time;
  while (reader.Next(cells)) {
    if (IsBlankRecord(cells)) continue;
    ++stats.rows;
    if (static_cast<int>(cells.size()) != columns.size) ++stats.ragged;

    // Targets: the URL or host first for the reports about web sites, then the address. A
    // cell may hold several addresses separated by spaces (the old C&C reports).
    Event event;
    if (url_targets) {
      if (auto url = UrlTarget(Cell(cells, columns.url), Cell(cells, columns.host))) {
        event.targets.push_back(*std::move(url));
      }
    }
    std::string_view addresses = Cell(cells, columns.address);
    while (!addresses.empty() && event.targets.size() < 4) {
      size_t space = addresses.find(' ');
      std::string_view one = addresses.substr(0, space);
      addresses =
          space == std::string_view::npos ? std::string_view() : addresses.substr(space + 1);
      if (one.empty()) continue;
      if (auto target = AddressTarget(one)) event.targets.push_back(*std::move(target));
    }
    if (event.targets.empty()) {
      NoteSkip(stats, reader.line(), "no usable address");
      continue;
    }

    // Time: the timestamp column, else the old Date and Time pair, else the mail's arrival.
    std::string_view time_text;
    if (columns.timestamp >= 0) {
      time_text = Cell(cells, columns.timestamp);
    } else if (!no_time_column) {
      joined_time.assign(Cell(cells, columns.date)).append(" ").append(Cell(cells, columns.time));
      time_text = joined_time;
    }
    if (no_time_column) {
      if (options.received_at == Instant{}) {
        NoteSkip(stats, reader.line(), "no time column and no arrival time");
        continue;
      }
      event.observed.instant = options.received_at;
    } else {
      if (!have_last_time || time_text != last_time_text) {
        have_last_time = true;
        last_time_text.assign(time_text);
        last_time = ParseMailTime(time_text);
      }
      if (!last_time) {
        NoteSkip(stats, reader.line(), "unreadable time");
        continue;
      }
      event.observed = *last_time;
    }

    if (out.size() >= options.max_events) {
      return Error{"too_many_events", "the report has more than " +
                                          std::to_string(options.max_events) + " usable rows"};
    }
    event.abuse_type = abuse_type;
    event.summary = RowSummary(name, cells, columns);
    out.push_back(std::move(event));
  }
  return Status::Ok();
}

std::optional<Reading> ReadShadowserver(const MimeMessage& message, const ReadingOptions& options) {
  std::string subject = FindHeader(message.headers, "Subject");
  FeedOptions feed_options;
  feed_options.max_events = options.limits.max_events;
  feed_options.received_at = options.received_at;

  // Every CSV entity with a Shadowserver header counts, plain or out of an archive.
  Reading reading;
  reading.format = "shadowserver";
  FeedStats stats;
  std::vector<std::string> names;
  bool found = false;
  for (const MimeEntity& entity : message.entities) {
    bool csv_like = entity.content_type == "text/csv" || entity.content_type == "text/plain" ||
                    entity.content_type == "application/csv" ||
                    entity.content_type == "application/vnd.ms-excel" ||
                    entity.content_type == "application/octet-stream" ||
                    AsciiLower(entity.filename).ends_with(".csv");
    if (!csv_like || !LooksLikeShadowserverCsv(entity.body)) continue;
    found = true;

    std::string name = ShadowserverReportName(entity.filename);
    if (FindShadowserverReport(name) == nullptr) {
      std::string from_archive = ShadowserverReportName(entity.archive);
      std::string from_subject = ShadowserverReportName(subject);
      if (FindShadowserverReport(from_archive) != nullptr)
        name = from_archive;
      else if (FindShadowserverReport(from_subject) != nullptr)
        name = from_subject;
      else if (name.empty())
        name = !from_archive.empty() ? from_archive : from_subject;
    }
    names.push_back(name);

    Status status = ParseShadowserverCsv(entity.body, name, feed_options, reading.events, &stats);
    if (!status.ok()) {
      reading.events.clear();
      reading.status = ReadingStatus::kRejected;
      reading.reason = status.error().code;
      reading.detail = status.error().message;
      return reading;
    }
  }
  if (!found) return std::nullopt;

  std::string report_list;
  for (const std::string& name : names) {
    report_list += (report_list.empty() ? "" : ", ") + (name.empty() ? "(unnamed)" : name);
  }
  reading.detail = "report " + report_list + ": " + std::to_string(stats.rows) + " rows, " +
                   std::to_string(reading.events.size()) + " events, " +
                   std::to_string(stats.skipped) + " skipped";
  if (stats.ragged > 0) reading.detail += ", " + std::to_string(stats.ragged) + " ragged";
  if (!stats.first_skip.empty()) reading.detail += " (first skip at " + stats.first_skip + ")";

  // Reports vigie cannot type, and victim lists, become material for a person.
  const ShadowserverReport* known = nullptr;
  bool all_typed = !names.empty();
  bool victims = false;
  for (const std::string& name : names) {
    known = FindShadowserverReport(name);
    if (known == nullptr || known->abuse_type.empty()) all_typed = false;
    if (known != nullptr && known->victims) victims = true;
  }
  if (victims) {
    reading.status = ReadingStatus::kIgnored;
    reading.reason = "shadowserver_victims";
    reading.detail = "the report lists victims of attacks, not their sources; " + reading.detail;
    reading.events.clear();
    return reading;
  }
  if (!all_typed) {
    for (const Event& event : reading.events) {
      for (const Target& target : event.targets) {
        if (reading.candidate_targets.size() >= 100) break;
        bool seen = std::any_of(reading.candidate_targets.begin(), reading.candidate_targets.end(),
                                [&](const Target& t) { return t.canonical == target.canonical; });
        if (!seen) reading.candidate_targets.push_back(target);
      }
      if (reading.candidate_times.size() < 20) {
        bool seen =
            std::any_of(reading.candidate_times.begin(), reading.candidate_times.end(),
                        [&](const ZonedInstant& t) { return t.instant == event.observed.instant; });
        if (!seen) reading.candidate_times.push_back(event.observed);
      }
    }
    reading.events.clear();
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "unknown_shadowserver_report";
    return reading;
  }
  if (reading.events.empty()) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "no_events";
    return reading;
  }
  reading.status = ReadingStatus::kParsed;
  return reading;
}

}  // namespace vigie::reading
