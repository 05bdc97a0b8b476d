#include "sim/io/run_length_deflate.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace scalesim {

namespace {

constexpr std::size_t kMaxCodeBits = 15;       // literal/length and distance codes (RFC 1951 3.2.7)
constexpr std::size_t kMaxCodeLengthBits = 7;  // the code-length alphabet
constexpr std::size_t kMaxStored = 65535;      // bytes in one stored block
constexpr std::size_t kLiterals = 286;         // 0-255 bytes, 256 end of block, 257-285 lengths
constexpr std::size_t kEndOfBlock = 256;

// Match lengths 3-258: the code (0-28, symbol 257 + code), its extra bits and their value.
struct LengthCode {
  std::uint8_t code, extra_bits;
  std::uint16_t extra;
};
constexpr std::array<std::uint16_t, 29> kLengthBase{3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                                    15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                                    67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<std::uint8_t, 29> kLengthExtra{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                    2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<LengthCode, 259> kLengthCodes = [] {
  std::array<LengthCode, 259> t{};
  for (std::size_t code = 0; code < 29; ++code) {
    const std::size_t last =
        code == 28 ? 258 : std::min<std::size_t>(257, kLengthBase[code + 1] - 1U);
    for (std::size_t len = kLengthBase[code]; len <= last; ++len)
      t[len] = {static_cast<std::uint8_t>(code), kLengthExtra[code],
                static_cast<std::uint16_t>(len - kLengthBase[code])};
  }
  return t;
}();
// The order in which the code-length code's lengths are written (RFC 1951 3.2.7).
constexpr std::array<std::uint8_t, 19> kCodeLengthOrder{16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                        11, 4,  12, 3, 13, 2, 14, 1, 15};

// Huffman code lengths of at most max_bits for freq[0, n) (0 for an unused symbol). At least two
// symbols must be used. A tree that is too deep is rebuilt from flattened frequencies: rare here
// (a block's histogram would need a Fibonacci-like skew), and it converges to a balanced tree.
void code_lengths(const std::uint32_t* freq, std::size_t n, std::size_t max_bits,
                  std::uint8_t* lengths) {
  // (Scratch arrays are not zeroed: each entry read is written first. This runs per plane.)
  std::array<std::uint32_t, kLiterals> f;
  std::copy(freq, freq + n, f.begin());
  for (;;) {
    // Leaves sorted by weight; internal nodes are made in non-decreasing weight order, so the
    // two lightest nodes are always at the heads of the two queues.
    std::array<std::uint16_t, kLiterals> leaves;
    std::size_t used = 0;
    for (std::size_t s = 0; s < n; ++s)
      if (f[s] != 0) leaves[used++] = static_cast<std::uint16_t>(s);
    std::sort(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(used),
              [&](std::uint16_t a, std::uint16_t b) { return f[a] != f[b] ? f[a] < f[b] : a < b; });
    std::array<std::uint64_t, kLiterals> weight;  // internal nodes
    std::array<std::uint16_t, 2 * kLiterals> parent;
    std::size_t next_leaf = 0, next_node = 0, nodes = 0;
    const auto take = [&]() -> std::size_t {  // index: leaves 0..used-1, nodes used + i
      if (next_leaf < used && (next_node == nodes || f[leaves[next_leaf]] <= weight[next_node]))
        return next_leaf++;
      return used + next_node++;
    };
    const auto weight_of = [&](std::size_t i) -> std::uint64_t {
      return i < used ? f[leaves[i]] : weight[i - used];
    };
    for (std::size_t k = 0; k + 1 < used; ++k) {
      const std::size_t a = take(), b = take();
      weight[nodes] = weight_of(a) + weight_of(b);
      parent[a] = parent[b] = static_cast<std::uint16_t>(used + nodes);
      ++nodes;
    }
    // Depths from the root (the last node) down: a node's parent is always made after it.
    std::array<std::uint8_t, 2 * kLiterals> depth;
    depth[used + nodes - 1] = 0;  // the root
    std::size_t deepest = 0;
    for (std::size_t i = used + nodes - 1; i-- > 0;) {
      depth[i] = static_cast<std::uint8_t>(depth[parent[i]] + 1);
      deepest = std::max<std::size_t>(deepest, depth[i]);
    }
    if (deepest <= max_bits) {
      std::fill(lengths, lengths + n, std::uint8_t{0});
      for (std::size_t i = 0; i < used; ++i) lengths[leaves[i]] = depth[i];
      return;
    }
    for (std::size_t s = 0; s < n; ++s)
      if (f[s] != 0) f[s] = (f[s] >> 1) | 1U;
  }
}

// Canonical codes for the lengths (RFC 1951 3.2.2), bit-reversed: deflate sends a code's most
// significant bit first into a least-significant-first bit stream.
void canonical_codes(const std::uint8_t* lengths, std::size_t n, std::uint16_t* codes) {
  std::array<std::uint16_t, kMaxCodeBits + 1> count{}, next{};
  for (std::size_t s = 0; s < n; ++s) ++count[lengths[s]];
  count[0] = 0;
  unsigned code = 0;
  for (std::size_t bits = 1; bits <= kMaxCodeBits; ++bits) {
    code = (code + count[bits - 1]) << 1U;
    next[bits] = static_cast<std::uint16_t>(code);
  }
  for (std::size_t s = 0; s < n; ++s) {
    const unsigned len = lengths[s];
    if (len == 0) continue;
    const unsigned c = next[len]++;
    unsigned r = 0;
    for (unsigned b = 0; b < len; ++b) r |= ((c >> b) & 1U) << (len - 1 - b);
    codes[s] = static_cast<std::uint16_t>(r);
  }
}

// One symbol of the code-length sequence: 0-15 a length, 16 repeat the previous 3-6 times,
// 17 zeros 3-10 times, 18 zeros 11-138 times; `extra` is the repeat count's extra bits.
struct LengthSymbol {
  std::uint8_t symbol, extra;
};

// Appends the run-length coding of lengths[0, n) (zlib's scan: runs do not cross trees).
void code_length_symbols(const std::uint8_t* lengths, std::size_t n,
                         std::vector<LengthSymbol>& out) {
  for (std::size_t i = 0; i < n;) {
    const std::uint8_t l = lengths[i];
    std::size_t run = 1;
    while (i + run < n && lengths[i + run] == l) ++run;
    i += run;
    if (l == 0) {
      while (run >= 11) {
        const std::size_t r = std::min<std::size_t>(run, 138);
        out.push_back({18, static_cast<std::uint8_t>(r - 11)});
        run -= r;
      }
      if (run >= 3) {
        out.push_back({17, static_cast<std::uint8_t>(run - 3)});
        run = 0;
      }
    } else {
      out.push_back({l, 0});
      --run;
      while (run >= 3) {
        const std::size_t r = std::min<std::size_t>(run, 6);
        out.push_back({16, static_cast<std::uint8_t>(r - 3)});
        run -= r;
      }
    }
    for (; run > 0; --run) out.push_back({l, 0});
  }
}

constexpr unsigned repeat_bits(unsigned symbol) {
  return symbol == 16 ? 2U : symbol == 17 ? 3U : symbol == 18 ? 7U : 0U;
}

// How many bytes from data[i] on equal data[i] (at least 1), eight at a time.
std::size_t run_at(const unsigned char* data, std::size_t i, std::size_t n) {
  const unsigned char b = data[i];
  const std::uint64_t pattern = 0x0101010101010101ULL * b;
  std::size_t k = i + 1;
  const auto word = [&](std::size_t at) {
    std::uint64_t w = 0;
    std::memcpy(&w, data + at, 8);
    return w ^ pattern;
  };
  // Long runs (constant planes) 32 bytes at a time, then the word that ends the run.
  while (k + 32 <= n && (word(k) | word(k + 8) | word(k + 16) | word(k + 24)) == 0) k += 32;
  for (; k + 8 <= n; k += 8) {
    if (const std::uint64_t x = word(k); x != 0) {
      const int first =
          std::endian::native == std::endian::little ? std::countr_zero(x) : std::countl_zero(x);
      return k + static_cast<std::size_t>(first / 8) - i;
    }
  }
  while (k < n && data[k] == b) ++k;
  return k - i;
}

}  // namespace

std::size_t RunLengthDeflate::bound(std::size_t bytes, std::size_t calls) {
  // A block is never larger than storing its bytes (5 header bytes per 65535, one of alignment),
  // and each write keeps 8 bytes of slack; then the final block.
  return bytes + 5 * (bytes / kMaxStored) + 16 * calls + 16;
}

void RunLengthDeflate::begin(std::byte* out, std::size_t capacity) {
  start_ = out;
  end_ = out + capacity;
  bits_ = BitSink{out};
  prev_ = -1;
}

void RunLengthDeflate::reserve(std::size_t bytes) const {
  if (static_cast<std::size_t>(end_ - bits_.out) < bytes + 8)
    throw std::logic_error("deflate output buffer too small");
}

void RunLengthDeflate::BitSink::align() {
  for (; pending > 0; pending -= 8) {
    *out++ = static_cast<std::byte>(acc);
    acc >>= 8;
  }
  acc = 0;
  pending = 0;
}

void RunLengthDeflate::stored(const unsigned char* data, std::size_t n) {
  if (n == 0) return;
  reserve(n + 5 * (n / kMaxStored + 1) + 1);
  prev_ = data[n - 1];
  do {
    const std::size_t len = std::min(n, kMaxStored);
    bits_.put(0, 3);  // not final, stored
    bits_.align();
    const auto l = static_cast<std::uint16_t>(len);
    const auto nl = static_cast<std::uint16_t>(~l);
    const std::array<std::byte, 4> header{static_cast<std::byte>(l), static_cast<std::byte>(l >> 8),
                                          static_cast<std::byte>(nl),
                                          static_cast<std::byte>(nl >> 8)};
    std::memcpy(bits_.out, header.data(), 4);
    std::memcpy(bits_.out + 4, data, len);
    bits_.out += 4 + len;
    data += len;
    n -= len;
  } while (n > 0);
}

void RunLengthDeflate::runs(const unsigned char* data, std::size_t n) {
  if (n == 0) return;
  // Tokens and their frequencies. A run's first byte is a literal unless it continues the
  // previous byte; the rest are matches at distance 1 of 3-258 bytes, a remainder of 1-2 bytes
  // literals.
  tokens_.resize(n + 1);
  std::uint16_t* token = tokens_.data();
  std::array<std::uint32_t, kLiterals> freq{};
  std::uint32_t matches = 0;
  int prev = prev_;
  for (std::size_t i = 0; i < n;) {
    const unsigned char b = data[i];
    if (i + 1 < n && data[i + 1] != b) {  // a run of one: a literal (most bytes of a busy plane)
      *token++ = b;
      ++freq[b];
      prev = b;
      ++i;
      continue;
    }
    const std::size_t run = run_at(data, i, n);
    std::size_t rest = run;
    if (prev != b) {
      *token++ = b;
      ++freq[b];
      --rest;
    }
    while (rest >= 3) {
      std::size_t m = std::min<std::size_t>(rest, 258);
      if (rest > 258 && rest - 258 < 3) m = rest - 3;
      *token++ = static_cast<std::uint16_t>(256 + m);
      ++freq[257 + kLengthCodes[m].code];
      ++matches;
      rest -= m;
    }
    for (; rest > 0; --rest) {
      *token++ = b;
      ++freq[b];
    }
    prev = b;
    i += run;
  }
  freq[kEndOfBlock] = 1;

  std::array<std::uint8_t, kLiterals> lit_len{};
  std::array<std::uint16_t, kLiterals> lit_code{};
  code_lengths(freq.data(), kLiterals, kMaxCodeBits, lit_len.data());
  canonical_codes(lit_len.data(), kLiterals, lit_code.data());
  // Only distance 1 is used. Two codes of one bit keep the distance code complete, as zlib does.
  constexpr std::array<std::uint8_t, 2> dist_len{1, 1};
  std::size_t hlit = kLiterals;
  while (hlit > 257 && lit_len[hlit - 1] == 0) --hlit;

  std::vector<LengthSymbol> header;
  header.reserve(64);
  code_length_symbols(lit_len.data(), hlit, header);
  code_length_symbols(dist_len.data(), 2, header);
  std::array<std::uint32_t, 19> cl_freq{};
  for (const LengthSymbol s : header) ++cl_freq[s.symbol];
  std::array<std::uint8_t, 19> cl_len{};
  std::array<std::uint16_t, 19> cl_code{};
  if (std::count_if(cl_freq.begin(), cl_freq.end(), [](std::uint32_t c) { return c != 0; }) < 2)
    ++cl_freq[cl_freq[0] != 0 ? 1 : 0];  // a code of one symbol: give it a partner
  code_lengths(cl_freq.data(), 19, kMaxCodeLengthBits, cl_len.data());
  canonical_codes(cl_len.data(), 19, cl_code.data());
  std::size_t hclen = 19;
  while (hclen > 4 && cl_len[kCodeLengthOrder[hclen - 1]] == 0) --hclen;

  // Its size in bits against storing the bytes.
  std::uint64_t bits = 3 + 14 + 3 * static_cast<std::uint64_t>(hclen);
  for (const LengthSymbol s : header) bits += cl_len[s.symbol] + repeat_bits(s.symbol);
  for (std::size_t s = 0; s < 257; ++s) bits += std::uint64_t{freq[s]} * lit_len[s];
  for (std::size_t c = 0; c < 29; ++c)
    bits += std::uint64_t{freq[257 + c]} * (lit_len[257 + c] + kLengthExtra[c]);
  bits += std::uint64_t{matches} * dist_len[0];
  if (bits >= 8 * (n + 5 * (n / kMaxStored + 1))) {
    stored(data, n);
    return;
  }

  reserve(bits / 8 + 1);
  BitSink w = bits_;
  w.put(0b100, 3);  // not final, dynamic Huffman codes
  w.put(hlit - 257, 5);
  w.put(1, 5);  // two distance codes
  w.put(hclen - 4, 4);
  for (std::size_t i = 0; i < hclen; ++i) w.put(cl_len[kCodeLengthOrder[i]], 3);
  for (const LengthSymbol s : header) {
    w.put(cl_code[s.symbol], cl_len[s.symbol]);
    if (const unsigned extra = repeat_bits(s.symbol); extra != 0)
      w.put(s.extra, static_cast<int>(extra));
  }
  // Each token's whole code: a literal's, or a length's code, its extra bits and distance 1's
  // one-bit code 0 (at most 15 + 5 + 1 bits).
  std::array<std::uint32_t, 256 + 259> code;  // 256-258 unused
  std::array<std::uint8_t, 256 + 259> code_bits;
  for (std::size_t t = 0; t < 256; ++t) {
    code[t] = lit_code[t];
    code_bits[t] = lit_len[t];
  }
  for (std::size_t m = 3; m <= 258; ++m) {
    const LengthCode& l = kLengthCodes[m];
    const std::size_t symbol = 257 + l.code;
    code[256 + m] = lit_code[symbol] | (std::uint32_t{l.extra} << lit_len[symbol]);
    code_bits[256 + m] = static_cast<std::uint8_t>(lit_len[symbol] + l.extra_bits + dist_len[0]);
  }
  for (const std::uint16_t* t = tokens_.data(); t != token; ++t) w.put(code[*t], code_bits[*t]);
  w.put(lit_code[kEndOfBlock], lit_len[kEndOfBlock]);
  bits_ = w;
  prev_ = data[n - 1];
}

std::size_t RunLengthDeflate::finish() {
  reserve(2);
  bits_.put(0b011, 3);  // final, fixed Huffman codes
  bits_.put(0, 7);      // end of block: the seven-bit code 0000000
  bits_.align();
  return static_cast<std::size_t>(bits_.out - start_);
}

}  // namespace scalesim
