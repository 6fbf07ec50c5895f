// raw_write_limit: what this disk allows a store that syncs every write, the
// ceiling caseline's durable appends are measured against. Writes the lines
// of a file (a generated population's JSON lines: the same events, the same
// bytes) into a fresh RocksDB, each line one key, in synced WriteBatches of
// BATCH lines from WRITERS threads at once, and prints the events per second.
//
// Usage: raw_write_limit DIR EVENTS_FILE [WRITERS] [BATCH]
//   DIR must not exist; it is removed at the end.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

// The key of the n-th line: big-endian, so that keys are written in order,
// as the log's positions are.
std::string KeyOf(uint64_t n) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[static_cast<size_t>(i)] = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: raw_write_limit DIR EVENTS_FILE [WRITERS] [BATCH]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int writers = argc > 3 ? std::stoi(argv[3]) : 4;
  const int batch_lines = argc > 4 ? std::stoi(argv[4]) : 100;
  if (writers < 1 || batch_lines < 1) {
    std::fprintf(stderr, "raw_write_limit: WRITERS and BATCH must be >= 1\n");
    return 2;
  }
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "raw_write_limit: %s exists\n", dir.c_str());
    return 2;
  }
  std::vector<std::string> lines;
  std::ifstream file(argv[2]);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) lines.push_back(std::move(line));
  }
  if (lines.empty()) {
    std::fprintf(stderr, "raw_write_limit: %s has no lines\n", argv[2]);
    return 2;
  }

  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* opened = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, dir, &opened);
  if (!status.ok()) {
    std::fprintf(stderr, "raw_write_limit: %s\n", status.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(opened);
  rocksdb::WriteOptions synced;
  synced.sync = true;

  // Each writer takes the next BATCH lines until none are left.
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        const size_t first = next.fetch_add(static_cast<size_t>(batch_lines));
        if (first >= lines.size()) return;
        const size_t end =
            std::min(lines.size(), first + static_cast<size_t>(batch_lines));
        rocksdb::WriteBatch batch;
        for (size_t i = first; i < end; ++i) batch.Put(KeyOf(i), lines[i]);
        if (!db->Write(synced, &batch).ok()) failed = true;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  db.reset();
  std::filesystem::remove_all(dir);
  if (failed) {
    std::fprintf(stderr, "raw_write_limit: a write failed\n");
    return 1;
  }
  std::printf("%zu events, %d writers, batches of %d: %.2f s, %.0f events/s\n",
              lines.size(), writers, batch_lines, seconds,
              static_cast<double>(lines.size()) / seconds);
  return 0;
}
