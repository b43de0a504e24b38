#include "app/demo.h"

#include "attribution/inventory.h"
#include "core/secrets.h"
#include "store/store.h"

namespace vigie {
namespace {

// customer, name, email, service, kind, resource, from, to ("" = still held)
constexpr const char* kDemoInventory =
    "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
    "valid_to\n"
    "C-ACME,Acme Widgets SARL,abuse-contact@acme.example,VPS-101,vps,192.0.2.0/25,"
    "2025-01-01T00:00:00Z,\n"
    "C-ACME,Acme Widgets SARL,abuse-contact@acme.example,WEB-102,web_hosting,example.com,"
    "2025-01-01T00:00:00Z,\n"
    "C-ACME,Acme Widgets SARL,abuse-contact@acme.example,VPS-103,vps,198.51.100.7/32,"
    "2025-01-01T00:00:00Z,2026-11-01T10:00:00Z\n"
    "C-BRAVO,Bravo Media GmbH,security@bravo.example,DED-201,dedicated,192.0.2.128/25,"
    "2025-03-01T00:00:00Z,\n"
    "C-BRAVO,Bravo Media GmbH,security@bravo.example,DED-202,dedicated,198.51.100.0/24,"
    "2025-03-01T00:00:00Z,\n"
    "C-BRAVO,Bravo Media GmbH,security@bravo.example,WEB-203,web_hosting,example.net,"
    "2025-03-01T00:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,VPS-301,vps,198.51.100.7/32,"
    "2026-11-01T10:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,NET-302,ip_block,203.0.113.0/24,"
    "2025-06-01T00:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,NET-303,ip_block,2001:db8::/32,"
    "2025-06-01T00:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,WEB-304,web_hosting,example.org,"
    "2025-06-01T00:00:00Z,\n";

}  // namespace

Result<std::string> LoadDemo(Store& store) {
  ParsedInventory inventory = ParseInventoryCsv(kDemoInventory);
  if (!inventory.problems.empty()) {
    return Error{"demo", "the demo inventory does not parse: " + inventory.problems[0].message};
  }
  std::string password = RandomToken(12);
  std::string hash = HashPassword(password);
  Status status = store.Write([&](Transaction& tx) {
    tx.InsertInventory(inventory.records);
    if (auto user = tx.FindUserByEmail(kDemoStaffEmail)) {
      tx.UpdateUserPassword(user->id, hash);
    } else {
      tx.InsertUser(User{0, kDemoStaffEmail, Role::kAdmin, hash, false});
    }
  });
  if (!status.ok()) return status.error();
  return "Demo inventory loaded: 3 customers, 10 records (192.0.2.0/24, 198.51.100.0/24, "
         "203.0.113.0/24, 2001:db8::/32, example.com, example.net, example.org).\n"
         "Staff desk: /desk  login: " +
         std::string(kDemoStaffEmail) + " password: " + password + "\n";
}

}  // namespace vigie
