// A minimal PNG reader for the render test: 8-bit RGB or RGBA,
// non-interlaced (what Chromium's --screenshot writes), inflated with zlib
// and unfiltered per row. Enough to count the pixels of a colour in a
// screenshot; anything else is refused with a reason.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace validprof::assess::testing {

struct Image {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3
    std::string error;              // non-empty when the file could not be read
};

inline std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

inline Image read_png(const std::string& path) {
    Image image;
    std::ifstream file(path, std::ios::binary);
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (data.size() < 8 || data[1] != 'P' || data[2] != 'N' || data[3] != 'G') {
        image.error = "not a PNG";
        return image;
    }
    std::vector<std::uint8_t> compressed;
    int color_type = -1;
    std::size_t at = 8;
    while (at + 8 <= data.size()) {
        const std::uint32_t length = be32(&data[at]);
        const std::string type(reinterpret_cast<const char*>(&data[at + 4]), 4);
        if (at + 12 + length > data.size()) break;
        const std::uint8_t* body = &data[at + 8];
        if (type == "IHDR") {
            image.width = be32(body);
            image.height = be32(body + 4);
            if (body[8] != 8 || body[12] != 0) {
                image.error = "only 8-bit non-interlaced PNGs";
                return image;
            }
            color_type = body[9];
        } else if (type == "IDAT") {
            compressed.insert(compressed.end(), body, body + length);
        }
        at += 12 + length;
    }
    const std::size_t channels = color_type == 2 ? 3 : color_type == 6 ? 4 : 0;
    if (channels == 0) {
        image.error = "only RGB or RGBA PNGs";
        return image;
    }
    const std::size_t stride = image.width * channels;
    std::vector<std::uint8_t> raw((stride + 1) * image.height);
    uLongf raw_size = raw.size();
    if (uncompress(raw.data(), &raw_size, compressed.data(), compressed.size()) != Z_OK || raw_size != raw.size()) {
        image.error = "cannot inflate the image data";
        return image;
    }
    std::vector<std::uint8_t> previous(stride, 0), row(stride);
    image.rgb.reserve(std::size_t(image.width) * image.height * 3);
    for (std::uint32_t y = 0; y < image.height; ++y) {
        const std::uint8_t filter = raw[y * (stride + 1)];
        const std::uint8_t* line = &raw[y * (stride + 1) + 1];
        for (std::size_t x = 0; x < stride; ++x) {
            const int a = x >= channels ? row[x - channels] : 0;
            const int b = previous[x];
            const int c = x >= channels ? previous[x - channels] : 0;
            int predictor = 0;
            switch (filter) {
                case 0: predictor = 0; break;
                case 1: predictor = a; break;
                case 2: predictor = b; break;
                case 3: predictor = (a + b) / 2; break;
                case 4: {
                    const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    break;
                }
                default: image.error = "bad filter"; return image;
            }
            row[x] = static_cast<std::uint8_t>(line[x] + predictor);
        }
        for (std::uint32_t x = 0; x < image.width; ++x)
            for (int k = 0; k < 3; ++k) image.rgb.push_back(row[x * channels + k]);
        previous = row;
    }
    return image;
}

// Pixels within `tolerance` of (r, g, b) on every channel.
inline std::size_t count_colour(const Image& image, int r, int g, int b, int tolerance = 24) {
    std::size_t count = 0;
    for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3)
        count += std::abs(image.rgb[i] - r) <= tolerance && std::abs(image.rgb[i + 1] - g) <= tolerance &&
                 std::abs(image.rgb[i + 2] - b) <= tolerance;
    return count;
}

}  // namespace validprof::assess::testing
