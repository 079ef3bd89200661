// examples/similarity.c in C++, through the RAII wrapper fastclip.hpp:
// loads a CLIP model, encodes one image and one text, and prints their
// cosine similarity (one number, -1 to 1). Same arguments, output and exit
// statuses as the C program.
//
//   c++ -std=c++17 examples/cpp/similarity.cpp $(pkg-config --cflags --libs fastclip) -o similarity_cpp
//   ./similarity_cpp ViT-B-32.pt photo.jpg "a photo of a cat" [MODE]
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "fastclip.hpp"

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr,
                     "usage: %s MODEL IMAGE TEXT [MODE]\n"
                     "  MODE: load:cpu (default), load:cuda or load:cuda:N\n",
                     argv[0]);
        return 2;
    }
    const std::string model_path = argv[1], image_path = argv[2], text = argv[3];
    const std::string mode = argc == 5 ? argv[4] : "load:cpu";

    fc_model_params mp = fastclip::model_params();
    mp.warmup = 0; // one image and one text: warm-up would only cost time

    try {
        fastclip::Model model(model_path, mode, mp); // freed at the end of the scope

        fc_encode_params ep = fastclip::encode_params();
        ep.normalize = 1; // unit rows: the cosine is the dot product
        std::vector<float> image = model.encode_image_file(image_path, ep);
        std::vector<float> words = model.encode_text(text, ep);

        double dot = 0.0;
        for (std::size_t k = 0; k < image.size(); k++)
            dot += static_cast<double>(image[k]) * static_cast<double>(words[k]);
        std::printf("%.6f\n", dot);
        return 0;
    } catch (const fastclip::Error &e) {
        std::fprintf(stderr, "%s (%s)\n", e.what(), e.status_string());
        return 1;
    } catch (const std::bad_alloc &) {
        std::fputs("out of memory\n", stderr);
        return 1;
    }
}
