// Command-line parsing and the usage errors found before any I/O.
#include "config.hpp"
#include "parse_args.hpp"

#include <gtest/gtest.h>

#include "pfsbench/error.hpp"

namespace pfsbench::ior_like {
namespace {

using test::parse;

TEST(Config, IorVendorAcceptanceLineParses) {
  const Config c = parse({"-w", "-r", "-k", "-Z", "-b", "256G", "-i", "2", "-t", "16M", "-o", "/gpfs/f"});
  EXPECT_TRUE(c.do_write());
  EXPECT_TRUE(c.do_read());
  EXPECT_TRUE(c.keep);
  EXPECT_EQ(c.read_order(), ReadOrder::kRandom);
  EXPECT_EQ(c.block_bytes, 256ull << 30);
  EXPECT_EQ(c.transfer_bytes, 16ull << 20);
  EXPECT_EQ(c.iterations, 2);
  EXPECT_EQ(c.path, "/gpfs/f");
  EXPECT_NO_THROW(validate(c));
}

TEST(Config, NeitherWriteNorReadMeansBoth) {
  const Config c = parse({});
  EXPECT_TRUE(c.do_write());
  EXPECT_TRUE(c.do_read());
  const Config w = parse({"-w"});
  EXPECT_TRUE(w.do_write());
  EXPECT_FALSE(w.do_read());
}

TEST(Config, CombinedShortFlags) {
  const Config c = parse({"-wrk", "-b", "4k", "-t", "1k"});
  EXPECT_TRUE(c.write);
  EXPECT_TRUE(c.read);
  EXPECT_TRUE(c.keep);
}

TEST(Config, TransferNotDividingBlockIsAUsageError) {
  const Config c = parse({"-b", "1m", "-t", "768k"});
  try {
    validate(c);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("-t 768k does not divide -b 1m"), std::string::npos) << e.what();
  }
}

TEST(Config, UsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  } cases[] = {
      {{"-b", "4k", "-t", "8k"}, "larger than -b"},
      {{"-C", "-Z"}, "-C and -Z"},
      {{"-r", "-W"}, "-W checks the write phase"},
      {{"-w", "-R"}, "-R checks the read phase"},
      {{"-a", "lustre"}, "unknown backend -a lustre; available: posix, mpiio, hdf5, mmap, null"},
      {{"-c"}, "-c (collective transfers; -a MPIIO or -a HDF5 has them) is not supported by the POSIX backend"},
      {{"-a", "MPIIO", "-B"}, "-B/--posix.odirect (O_DIRECT) is not supported by the MPIIO backend"},
      {{"-a", "mmap", "-U", "h"}, "-U (MPI-IO hints) is not supported by the MMAP backend"},
      {{"-a", "posix", "-H"}, "-H (MPI-IO hints) is not supported by the POSIX backend"},
      {{"-a", "POSIX", "--mpiio.preallocate"}, "--mpiio.preallocate is an option of another backend than -a POSIX"},
      {{"-a", "MPIIO", "--hdf5.noFill"}, "--hdf5.noFill is an option of another backend than -a MPIIO"},
      {{"-a", "HDF5", "--hdf5.chunkSize", "3k", "-t", "2k", "-b", "4k"}, "do not nest"},
      {{"-a", "HDF5", "-r", "-z", "-z"}, "-z -z (random blocks of the whole file; it opens one segment's dataset"},
  };
  for (const auto& c : cases) {
    try {
      validate(parse(c.args));
      ADD_FAILURE() << "no error for " << c.needle;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
    }
  }
}

TEST(Config, BadSizesNameTheOption) {
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"-b", "0"}, "-b,--block-size"}, {{"-t", "12q"}, "-t,--transfer-size"}, {{"-b", ""}, "-b"}}) {
    try {
      parse(args);
      ADD_FAILURE() << "no error for " << args[1];
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

TEST(Config, UnimplementedIorFlagsAreRefusedNotIgnored) {
  const std::vector<std::vector<std::string>> refused = {{"-m"}, {"-u"}, {"-x"}, {"-K"}, {"-J", "4k"}, {"-X", "5"}};
  for (const auto& args : refused) {
    try {
      parse(args);
      ADD_FAILURE() << "accepted " << args[0];
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("is not implemented by ior_like"), std::string::npos) << e.what();
    }
  }
}

// The flags IO500 and site scripts use (issue 9), with IOR's meaning.
TEST(Config, Io500AndSiteFlagsParse) {
  const Config c = parse({"-C", "-Q", "2", "-g", "-z", "--random-offset-seed", "123", "-E", "-N", "3", "-v", "-v",
                          "-q", "-T", "1.5", "-l", "t", "-t", "4k", "-b", "1m", "-O", "minTimeDuration=2.5", "-O",
                          "summaryFile=s.json,summaryFormat=JSON", "-O", "saveRankPerformanceDetailsCSV=r.csv"});
  EXPECT_EQ(c.task_per_node_offset, 2);
  EXPECT_TRUE(c.intra_test_barriers);
  EXPECT_TRUE(c.random_offsets);
  EXPECT_EQ(c.offset_seed(), 123u);
  EXPECT_TRUE(c.use_existing);
  EXPECT_EQ(c.num_tasks, 3);
  EXPECT_EQ(c.verbosity, 2);
  EXPECT_TRUE(c.quit_on_error);
  EXPECT_DOUBLE_EQ(c.max_time_min, 1.5);
  EXPECT_EQ(c.data_packet_type, "t");
  EXPECT_DOUBLE_EQ(c.min_time_s, 2.5);
  EXPECT_EQ(c.summary_file, "s.json");
  EXPECT_EQ(c.summary_format, "json");
  EXPECT_EQ(c.rank_details_csv, "r.csv");
  validate(c);
  const auto j = to_json(c);
  EXPECT_EQ(j["task_per_node_offset"], 2);
  EXPECT_TRUE(to_json(parse({}))["task_per_node_offset"].is_null()) << "-Q matters only with -C";
  EXPECT_EQ(j["random_offset_seed"], 123);
  EXPECT_EQ(j["num_tasks"], 3);
  EXPECT_EQ(j["min_time_s"], 2.5);
  EXPECT_EQ(j["max_time_min"], 1.5);
  EXPECT_EQ(j["data_packet_type_requested"], "t");
}

TEST(Config, RandomOffsetSeedDefaultsToTheDataSeed) {
  const Config c = parse({"-z", "-G", "77", "-t", "4k", "-b", "64k"});
  EXPECT_EQ(c.offset_seed(), 77u);
  EXPECT_TRUE(to_json(c)["random_offset_seed"] == 77);
  EXPECT_TRUE(to_json(parse({}))["random_offset_seed"].is_null());
}

// IO500 isc26's ior-rnd4K-easy-read: -z twice is IOR's randomOffset = 2.
TEST(Config, MinusZTwiceIsRandomBlocksOfReadsOnly) {
  const Config c = parse({"--dataPacketType=timestamp", "-g", "-G", "1851471745", "-k", "-e", "-o", "D/f", "-F",
                          "-r", "-D", "5", "-z", "-z", "-a", "POSIX", "-t", "4096", "-b", "4096", "-s", "10000000", "-O",
                          "stoneWallingWearOut=1", "-C", "-Q", "2"});
  EXPECT_EQ(c.random_offsets, 2);
  EXPECT_TRUE(c.random_blocks());
  validate(c);  // -b == -t is fine for -z -z
  EXPECT_EQ(to_json(c)["random_offset_mode"], "random_blocks");
  EXPECT_EQ(to_json(parse({"-z", "-t", "4k", "-b", "64k"}))["random_offset_mode"], "shuffle_in_block");
  EXPECT_EQ(to_json(parse({}))["random_offset_mode"], "sequential");
  for (const auto& args : {std::vector<std::string>{"-w", "-z", "-z", "-t", "4k", "-b", "4k"},
                           std::vector<std::string>{"-z", "-z", "-t", "4k", "-b", "4k"}}) {
    try {
      validate(parse(args));
      ADD_FAILURE() << "-z -z with a write accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("write the file without -z -z first"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(validate(parse({"-r", "--check-apart"})), UsageError);
  EXPECT_TRUE(parse({"-r", "-R", "--check-apart"}).check_apart);
}

TEST(Config, NewFlagUsageErrorsSayWhatToDo) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  } cases[] = {
      {{"-z", "-t", "1m", "-b", "1m"}, "holds a single -t"},
      {{"-Q", "2"}, "-C is not given"},
      {{"-Z", "-Q", "2"}, "-Z reads a random other rank"},
      {{"-N", "0"}, "leaves no rank"},
      {{"-O", "summaryFormat=XML"}, "give -O summaryFormat=default, JSON or CSV"},
      {{"-O", "summaryFile="}, "give the path of IOR's summary file"},
      {{"-O", "minTimeDuration=soon"}, "not a number of seconds"},
      {{"-O", "minTimeDuration=-1"}, "not a number of seconds"},
      {{"-O", "saveRankPerformanceDetailsCSV="}, "give the CSV file path"},
      {{"-E", "-a", "HDF5"}, "HDF5 recreates it"},
  };
  for (const auto& c : cases) {
    try {
      validate(parse(c.args));
      ADD_FAILURE() << "accepted " << c.args[0];
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse({"-l", "bogus"}), CLI::ValidationError);
  EXPECT_THROW(parse({"-N", "-2"}), CLI::ValidationError);
  EXPECT_THROW(parse({"--random-offset-seed", "-5"}), CLI::ValidationError);
}

TEST(Config, BackendLinesOfIorParse) {
  // The lines of issue 8, unchanged.
  const Config a = parse({"-a", "MPIIO", "-c", "-w", "-r", "-k", "-t", "4m", "-b", "64m", "-i", "2", "-o", "F"});
  EXPECT_NO_THROW(validate(a));
  EXPECT_TRUE(a.collective);
  const Config h = parse({"-a", "HDF5", "-c", "--hdf5.collectiveMetadata", "-w", "-r", "-W", "-R", "-t", "1m", "-b",
                          "16m", "-s", "4", "-o", "F"});
  EXPECT_NO_THROW(validate(h));
  EXPECT_TRUE(h.backend.hdf5.collective_metadata);
  EXPECT_EQ(h.segments, 4u);
  const Config m = parse({"-a", "MPIIO", "-V", "-p", "-U", "hints", "-H", "-o", "F"});
  EXPECT_NO_THROW(validate(m));
  EXPECT_TRUE(m.backend.mpiio.use_file_view);
  EXPECT_TRUE(m.backend.mpiio.preallocate);
  EXPECT_EQ(hints_file(m), "hints");
  EXPECT_TRUE(show_hints(m));
  const Config n = parse({"-a", "mpiio", "-U", "generic", "--mpiio.hintsFileName", "specific"});
  EXPECT_EQ(hints_file(n), "specific") << "the backend's own option wins over -U";
  EXPECT_NO_THROW(validate(parse({"-a", "null", "-B"})));  // O_DIRECT by caps, not by prefix
}

TEST(Config, JsonHasUnitsInNames) {
  const auto j = to_json(parse({"-b", "2m", "-t", "1m", "-F", "-e"}));
  EXPECT_EQ(j.at("block_size_bytes"), 2u << 20);
  EXPECT_EQ(j.at("transfer_size_bytes"), 1u << 20);
  EXPECT_EQ(j.at("file_per_process"), true);
  EXPECT_EQ(j.at("fsync_before_close"), true);
}

}  // namespace
}  // namespace pfsbench::ior_like
