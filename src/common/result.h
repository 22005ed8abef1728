// Result<T>: a value or an Error, with the interface of C++23 std::expected.
// Why not exceptions: failure is the normal case in a cluster (a peer times out, a key file
// is unreadable, a packet is forged). It belongs in the signature and is handled where it
// happens; see STYLE.md §7. common, wire and core never throw.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "common/assert.h"

namespace vigil {

// A short fixed list of error codes plus a context string naming what failed and where.
struct Error {
    enum class Code { invalid_argument, not_found, io, protocol, auth, corruption, busy };
    Code code = Code::io;
    std::string message;

    static Error invalid(std::string m) { return {Code::invalid_argument, std::move(m)}; }
    static Error not_found(std::string m) { return {Code::not_found, std::move(m)}; }
    static Error io(std::string m) { return {Code::io, std::move(m)}; }
    static Error protocol(std::string m) { return {Code::protocol, std::move(m)}; }
    static Error auth(std::string m) { return {Code::auth, std::move(m)}; }
    static Error corruption(std::string m) { return {Code::corruption, std::move(m)}; }
    static Error busy(std::string m) { return {Code::busy, std::move(m)}; }
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design, like expected
    Result(Error error) : v_(std::move(error)) {}  // NOLINT

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    T& value() {
        VIGIL_ASSERT(has_value());
        return std::get<0>(v_);
    }
    const T& value() const {
        VIGIL_ASSERT(has_value());
        return std::get<0>(v_);
    }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const {
        VIGIL_ASSERT(!has_value());
        return std::get<1>(v_);
    }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        VIGIL_ASSERT(!ok_);
        return error_;
    }

private:
    Error error_;
    bool ok_ = true;
};

}  // namespace vigil
